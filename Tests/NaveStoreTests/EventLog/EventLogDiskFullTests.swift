import Glibc
import NaveCore
import NaveModel
import NaveTestSupport
import Testing
@testable import NaveStore

/// Issue #11: the log on a filesystem that fills up. A refused append says so with one typed
/// error, leaves no torn bytes behind, loses nothing acknowledged, and the partition takes
/// appends again by itself once there is room.
@Suite("Event log on a full disk", .serialized,
       .enabled(if: SmallFilesystem.isAvailable, "needs root to mount a tmpfs (mount(2) not permitted)"))
struct EventLogDiskFullTests {
    /// A record larger than a page, so writing it needs new blocks whatever the file's last page
    /// still holds (tmpfs allocates whole pages).
    static let largeBodyBytes = 12_000

    @Test("ENOSPC mid-segment: the batch fails with storageFull, the file is cut back, and appends resume once there is room")
    func fullMidSegment() async throws {
        let filesystem = try SmallFilesystem.mount(sizeBytes: 2 << 20).get()
        defer { filesystem.unmount() }
        let directory = filesystem.path + "/log"
        let configuration = EventLogConfiguration.small(segmentBytes: 1 << 20, recordBytes: 16 << 10)
        var log: EventLog? = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
        var acknowledged: [EventData] = []
        for number in 0..<10 {
            let data = event("dev1", number, bodyBytes: 1000)
            _ = try await log!.append(data)
            acknowledged.append(data)
        }
        let segment = try segmentFiles(directory)[0]
        let sizeBefore = try fileSize(segment)
        try filesystem.fill()

        for attempt in 0..<2 {
            let error = await #expect(throws: EventLogError.self, "attempt \(attempt)") {
                try await log!.append(event("dev1", 100 + attempt, bodyBytes: Self.largeBodyBytes))
            }
            #expect(error.map(Self.isStorageFull) == true, "typed as a full disk, not a failed partition: \(String(describing: error))")
        }
        #expect(try fileSize(segment) == sizeBefore, "no torn frame is left after the last acknowledged record")
        #expect(log!.statistics.recordsRefusedForSpace == 2)
        #expect(try log!.read(partition: 0, from: .earliest, maxCount: 100).map(\.data) == acknowledged)

        filesystem.makeRoom()
        for number in 10..<15 {
            let data = event("dev1", number, bodyBytes: Self.largeBodyBytes)
            _ = try await log!.append(data)
            acknowledged.append(data)
        }
        try Self.expectExactly(acknowledged, in: log!)
        await log!.close()
        log = nil

        let reopened = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
        try Self.expectExactly(acknowledged, in: reopened)
        await reopened.close()
    }

    @Test("ENOSPC when a segment rolls: the half-made segment is removed, and the log reopens after more appends to the old one")
    func fullAtRoll() async throws {
        let filesystem = try SmallFilesystem.mount(sizeBytes: 2 << 20).get()
        defer { filesystem.unmount() }
        let directory = filesystem.path + "/log"
        // Segments of 20 KiB hold three 6 KB records; a 12 KB record after them rolls.
        let configuration = EventLogConfiguration.small(segmentBytes: 20 << 10, recordBytes: 13_000)
        let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
        var acknowledged: [EventData] = []
        for number in 0..<3 {
            let data = event("dev1", number, bodyBytes: 6000)
            _ = try await log.append(data)
            acknowledged.append(data)
        }
        let segmentsBefore = try segmentFiles(directory)
        try filesystem.fill()
        let error = await #expect(throws: EventLogError.self) {
            try await log.append(event("dev1", 100, bodyBytes: Self.largeBodyBytes))
        }
        #expect(error.map(Self.isStorageFull) == true, "\(String(describing: error))")
        #expect(try segmentFiles(directory) == segmentsBefore, "no half-made segment is left")

        filesystem.makeRoom()
        // Small records go to the old segment, then a large one rolls for real.
        for number in 3..<5 {
            let data = event("dev1", number, bodyBytes: 100)
            _ = try await log.append(data)
            acknowledged.append(data)
        }
        let large = event("dev1", 5, bodyBytes: Self.largeBodyBytes)
        _ = try await log.append(large)
        acknowledged.append(large)
        try Self.expectExactly(acknowledged, in: log)
        await log.close()

        let reopened = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
        try Self.expectExactly(acknowledged, in: reopened)
        await reopened.close()
    }

    static func isStorageFull(_ error: EventLogError) -> Bool {
        if case .storageFull(partition: 0, _) = error { return true }
        return false
    }

    /// The partition holds `expected` in order, sequence numbers 0, 1, … with no gap or repeat.
    static func expectExactly(_ expected: [EventData], in log: EventLog) throws {
        let records = try log.read(partition: 0, from: .earliest, maxCount: 1000)
        #expect(records.map(\.sequenceNumber) == (0..<Int64(expected.count)).map { $0 })
        #expect(records.map(\.data) == expected)
    }
}
