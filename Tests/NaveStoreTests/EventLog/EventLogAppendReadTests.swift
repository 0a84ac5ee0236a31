import Foundation
import NaveCore
import NaveModel
import Testing
@testable import NaveStore

@Suite("Event log: append and read")
struct EventLogAppendReadTests {
    @Test("appends get dense sequence numbers and byte offsets; reads by offset, sequence number and time")
    func appendAndSeek() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let log = try EventLog(directory: directory, configuration: .small(segmentBytes: 1 << 20), clock: clock)
            var positions: [EventPosition] = []
            for number in 0..<50 {
                positions.append(try await log.append(event("dev1", number)))
                clock.advance(seconds: 1)
            }
            #expect(positions.map(\.sequenceNumber) == Array(0..<50))
            #expect(positions[0].offset == 0)
            let frame = Int64(EventFrame.frameBytes(payloadBytes: EventRecordCodec.payloadBytes(of: event("dev1", 0))))
            #expect(positions[1].offset == frame)

            let all = try log.read(partition: 0, from: .earliest, maxCount: 100)
            #expect(all.count == 50)
            #expect(all.map(\.data) == (0..<50).map { event("dev1", $0) })
            #expect(all.map(\.offset) == positions.map(\.offset))
            #expect(all.map(\.enqueuedTime) == positions.map(\.enqueuedTime))

            #expect(try log.read(partition: 0, from: .sequenceNumber(17), maxCount: 3).map(\.sequenceNumber) == [17, 18, 19])
            #expect(try log.read(partition: 0, from: .offset(positions[30].offset), maxCount: 1)[0].sequenceNumber == 30)
            // An offset inside a record starts at the next record (Event Hubs' `> offset`).
            #expect(try log.read(partition: 0, from: .offset(positions[30].offset + 1), maxCount: 1)[0].sequenceNumber == 31)
            #expect(try log.read(partition: 0, from: .enqueuedTime(positions[42].enqueuedTime), maxCount: 1)[0].sequenceNumber == 42)
            let between = Timestamp(millisecondsSinceEpoch: positions[42].enqueuedTime.millisecondsSinceEpoch - 500)
            #expect(try log.read(partition: 0, from: .enqueuedTime(between), maxCount: 1)[0].sequenceNumber == 42)
            #expect(try log.read(partition: 0, from: .sequenceNumber(50), maxCount: 5).isEmpty)
            #expect(try log.read(partition: 0, from: .latest, maxCount: 5).isEmpty)
            #expect(try log.read(partition: 0, from: .enqueuedTime(clock.now()), maxCount: 5).isEmpty)
            #expect(try log.read(partition: 0, from: .sequenceNumber(-3), maxCount: 1)[0].sequenceNumber == 0)

            let info = try log.info(partition: 0)
            #expect(info == EventPartitionInfo(partition: 0, beginSequenceNumber: 0, lastSequenceNumber: 49,
                                               lastOffset: positions[49].offset, lastEnqueuedTime: positions[49].enqueuedTime))
            await log.close()
        }
    }

    @Test("records lent in place are the records read, across segments and from a seek; the walk stops when told")
    func recordsLentInPlace() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            // Small segments: 60 records span several.
            let log = try EventLog(directory: directory, configuration: .small(segmentBytes: 2048), clock: clock)
            for number in 0..<60 {
                _ = try await log.append(event("dev1", number))
                clock.advance(seconds: 1)
            }
            for start: EventStartPosition in [.earliest, .sequenceNumber(7), .sequenceNumber(59)] {
                var lent: [EventRecord] = []
                let count = try log.withRecords(partition: 0, from: start, maxCount: 100) { view in
                    lent.append(try! EventRecordCodec.decode(view))
                    return true
                }
                let read = try log.read(partition: 0, from: start, maxCount: 100)
                #expect(count == read.count && lent == read, "\(start)")
            }
            var seen: [Int64] = []
            let stopped = try log.withRecords(partition: 0, from: .sequenceNumber(10), maxCount: 100) { view in
                seen.append(view.sequenceNumber)
                return view.sequenceNumber < 12
            }
            #expect(stopped == 3 && seen == [10, 11, 12], "the record that said stop was lent")
            #expect(try log.withRecords(partition: 0, from: .sequenceNumber(60), maxCount: 5) { _ in true } == 0)
            await log.close()
        }
    }

    @Test("records larger than a read chunk (64 KiB) read back, after smaller ones and from a cold start")
    func largeRecordsReadBack() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = EventLogConfiguration.small(segmentBytes: 4 << 20, recordBytes: EventLogConfiguration().recordBytesMax)
            configuration.pendingAppendBytesMax = 1 << 20
            let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
            let sizes = [10, 100_000, 300, 256 * 1024, 70_000]
            let events = sizes.enumerated().map { index, size in
                EventData(deviceID: "dev1", body: (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ index) })
            }
            for event in events { _ = try await log.append(event) }
            #expect(try log.read(partition: 0, from: .earliest, maxCount: 10).map(\.data) == events)
            for start in 0..<sizes.count {
                #expect(try log.read(partition: 0, from: .sequenceNumber(Int64(start)), maxCount: 1).map(\.data) == [events[start]])
            }
            await log.close()
        }
    }

    @Test("an empty partition reports the Event Hubs convention: last -1, offset -1, empty")
    func emptyPartitionInfo() async throws {
        try await withTemporaryDirectory { directory in
            let log = try EventLog(directory: directory, configuration: .small(partitions: 2), clock: ManualClock())
            let info = try log.info(partition: 1)
            #expect(info.isEmpty && info.beginSequenceNumber == 0 && info.lastSequenceNumber == -1 && info.lastOffset == -1)
            #expect(info.lastEnqueuedTime == nil)
            #expect(throws: EventLogError.partitionOutOfRange(partition: 2, partitionCount: 2)) { try log.info(partition: 2) }
            await log.close()
        }
    }

    @Test("one call across partitions: positions come back in the caller's order, each device's events in order")
    func appendAcrossPartitions() async throws {
        try await withTemporaryDirectory { directory in
            let log = try EventLog(directory: directory, configuration: .small(partitions: 4, segmentBytes: 1 << 20),
                                   clock: ManualClock())
            let devices = ["dev1", "device-0042", "ünïcödé", "a", "dev1", "ünïcödé", "dev1"]
            let events = devices.enumerated().map { event($1, $0) }
            let positions = try await log.append(events)
            #expect(positions.map(\.partition) == devices.map { log.partition(forDeviceID: $0) })
            #expect(positions.map(\.partition) == [3, 0, 2, 0, 3, 2, 3])
            #expect(positions.filter { $0.partition == 3 }.map(\.sequenceNumber) == [0, 1, 2])
            let partition3 = try log.read(partition: 3, from: .earliest, maxCount: 10)
            #expect(partition3.map(\.data) == [events[0], events[4], events[6]])
            #expect(try log.read(partition: 1, from: .earliest, maxCount: 10).isEmpty)
            await log.close()
        }
    }

    @Test("one call of several devices into one partition: positions in the caller's order")
    func appendSeveralDevicesOnePartition() async throws {
        try await withTemporaryDirectory { directory in
            let log = try EventLog(directory: directory, configuration: .small(segmentBytes: 1 << 20), clock: ManualClock())
            _ = try await log.append(event("dev0", 0))
            let events = ["dev1", "dev2", "dev1", "dev3"].enumerated().map { event($1, $0) }
            let positions = try await log.append(events)
            #expect(positions.map(\.sequenceNumber) == [1, 2, 3, 4])
            let stored = try log.read(partition: 0, from: .sequenceNumber(1), maxCount: 10)
            #expect(stored.map(\.data) == events && stored.map(\.offset) == positions.map(\.offset))
            await log.close()
        }
    }

    @Test("enqueued times never go backwards, even when the clock does")
    func monotonicTime() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let log = try EventLog(directory: directory, configuration: .small(), clock: clock)
            let first = try await log.append(event("dev1", 0))
            clock.advance(seconds: -60)
            let second = try await log.append(event("dev1", 1))
            #expect(second.enqueuedTime == first.enqueuedTime)
            await log.close()
        }
    }

    @Test("limits: an oversize record or append is refused before anything is stored")
    func limits() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = EventLogConfiguration.small()
            configuration.pendingAppendBytesMax = 2048
            let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
            let big = event("dev1", 0, bodyBytes: 1100)
            let bytes = EventRecordCodec.payloadBytes(of: big)
            await #expect(throws: EventLogError.recordTooLarge(payloadBytes: bytes, recordBytesMax: 1024)) {
                try await log.append(big)
            }
            let many = (0..<4).map { event("dev1", $0, bodyBytes: 900) }
            await #expect(throws: EventLogError.self) { try await log.append(many) }
            #expect(try log.info(partition: 0).isEmpty)
            await log.close()
            await #expect(throws: EventLogError.closed) { try await log.append(event("dev1", 1)) }
        }
    }

    @Test("configuration is checked; the partition count is fixed at creation; one opener at a time")
    func openChecks() async throws {
        try await withTemporaryDirectory { directory in
            var bad = EventLogConfiguration.small()
            bad.segmentBytesMax = 512
            #expect(throws: EventLogError.self) { try EventLog(directory: directory, configuration: bad, clock: ManualClock()) }
            bad = .small()
            bad.partitionCount = 129
            #expect(throws: EventLogError.self) { try EventLog(directory: directory, configuration: bad, clock: ManualClock()) }

            let log = try EventLog(directory: directory, configuration: .small(partitions: 4), clock: ManualClock())
            #expect(throws: EventLogError.locked(path: directory + "/events")) {
                try EventLog(directory: directory, configuration: .small(partitions: 4), clock: ManualClock())
            }
            await log.close()
            #expect(throws: EventLogError.partitionCountMismatch(recorded: 4, requested: 8)) {
                try EventLog(directory: directory, configuration: .small(partitions: 8), clock: ManualClock())
            }
            let again = try EventLog(directory: directory, configuration: .small(partitions: 4), clock: ManualClock())
            #expect(again.createdAt == log.createdAt)
            await again.close()

            // A log with metadata has every partition folder: a missing one is lost data.
            try FileManager.default.removeItem(atPath: directory + "/events/p2")
            #expect(throws: EventLogError.invalidMetadata(path: directory + "/events/p2", reason: "partition folder is missing")) {
                try EventLog(directory: directory, configuration: .small(partitions: 4), clock: ManualClock())
            }
            // Without metadata, folders beyond the requested count tell of a larger log.
            try FileManager.default.removeItem(atPath: directory + "/events/eventlog.json")
            #expect(throws: EventLogError.self) {
                try EventLog(directory: directory, configuration: .small(partitions: 2), clock: ManualClock())
            }
        }
    }

    @Test("a failed fdatasync fails the batch and every later append until reopened")
    func syncFailurePoisons() async throws {
        try await withTemporaryDirectory { directory in
            // The first sync creates the segment; the second is the first batch.
            let log = try EventLog(directory: directory, configuration: .small(), clock: ManualClock(),
                                   syncer: FailingSyncer(succeed: 2))
            _ = try await log.append(event("dev1", 0))
            await #expect(throws: EventLogError.self) { try await log.append(event("dev1", 1)) }
            await #expect(throws: EventLogError.partitionFailed(partition: 0, cause: "fdatasync \(directory)/events/p0/"
                + "00000000000000000000.log: errno 5")) { try await log.append(event("dev1", 2)) }
            #expect(try log.read(partition: 0, from: .earliest, maxCount: 10).count == 1)
            await log.close()
        }
    }
}
