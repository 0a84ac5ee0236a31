import Foundation
import NaveCore
import NaveModel
import Testing
@testable import NaveStore

@Suite("Event log: recovery")
struct EventLogRecoveryTests {
    /// Writes `count` records, closes, lets `damage` change the files, reopens, and checks the
    /// first `survivors` records are intact and the next append continues right after them.
    func recover(count: Int = 20, survivors: Int, configuration: EventLogConfiguration = .small(segmentBytes: 1 << 20),
                 damage: (String, [EventPosition]) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let log = try EventLog(directory: directory, configuration: configuration, clock: clock)
            var positions: [EventPosition] = []
            for number in 0..<count { positions.append(try await log.append(event("dev1", number))) }
            await log.close()
            try damage(directory, positions)

            let reopened = try EventLog(directory: directory, configuration: configuration, clock: clock)
            let stored = try reopened.read(partition: 0, from: .earliest, maxCount: 1000)
            #expect(stored.map(\.data) == (0..<survivors).map { event("dev1", $0) })
            #expect(stored.map(\.offset) == positions.prefix(survivors).map(\.offset))
            let next = try await reopened.append(event("dev1", 999))
            #expect(next.sequenceNumber == Int64(survivors))
            #expect(next.offset == positions[survivors - 1].offset + frameBytes(event("dev1", survivors - 1)))
            #expect(try reopened.read(partition: 0, from: .sequenceNumber(Int64(survivors)), maxCount: 5).map(\.data)
                    == [event("dev1", 999)])
            await reopened.close()
        }
    }

    static func lastSegment(_ directory: String) throws -> String { try segmentFiles(directory).last! }

    @Test("garbage after the last record is cut off")
    func garbageTail() async throws {
        try await recover(survivors: 20) { directory, _ in
            let path = try Self.lastSegment(directory)
            try writeFile(path, try readFile(path) + [0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 1, 2, 3])
        }
    }

    @Test("zeros after the last record (a file extended but never written) are cut off")
    func zeroTail() async throws {
        try await recover(survivors: 20) { directory, _ in
            let path = try Self.lastSegment(directory)
            try writeFile(path, try readFile(path) + [UInt8](repeating: 0, count: 4096))
        }
    }

    @Test("a file cut in the middle of the last record loses just that record")
    func cutMidRecord() async throws {
        try await recover(survivors: 19) { directory, positions in
            let path = try Self.lastSegment(directory)
            let cut = SegmentHeader.bytes + Int(positions[19].offset) + 13
            try writeFile(path, Array(try readFile(path)[..<cut]))
        }
    }

    @Test("a torn write of a partial record by hand: length says more than is there")
    func partialRecordByHand() async throws {
        try await recover(survivors: 20) { directory, _ in
            let path = try Self.lastSegment(directory)
            let frame = EventFrame.encode(EventRecord(sequenceNumber: 20, offset: 0, enqueuedTime: Timestamp(millisecondsSinceEpoch: 0),
                                                      data: event("dev1", 20)))
            try writeFile(path, try readFile(path) + frame.prefix(frame.count / 2))
        }
    }

    @Test("a flipped byte in the tail record fails its CRC: that record goes, the rest stays")
    func flippedTailByte() async throws {
        try await recover(survivors: 19) { directory, positions in
            let path = try Self.lastSegment(directory)
            var bytes = try readFile(path)
            bytes[SegmentHeader.bytes + Int(positions[19].offset) + 40] ^= 0x10
            try writeFile(path, bytes)
        }
    }

    @Test("a roll torn before the new segment's header was durable is undone")
    func tornRoll() async throws {
        for torn: [UInt8] in [[], Array("NVEL".utf8) + [1, 0]] {
            try await recover(survivors: 20) { directory, positions in
                let name = SegmentHeader.fileName(baseOffset: positions[19].offset + frameBytes(event("dev1", 19)))
                try writeFile(directory + "/events/p0/" + name, torn)
            }
        }
    }

    @Test("a new segment whose first batch never became durable is removed")
    func emptyNewSegment() async throws {
        try await recover(survivors: 20) { directory, positions in
            let header = SegmentHeader(baseOffset: positions[19].offset + frameBytes(event("dev1", 19)),
                                       baseSequenceNumber: 20, partition: 0)
            try writeFile(directory + "/events/p0/" + SegmentHeader.fileName(baseOffset: header.baseOffset), header.encoded())
        }
    }

    /// 100 records with record 10 damaged in the (only, so last) segment.
    func damagedLog(_ directory: String, _ configuration: EventLogConfiguration) async throws -> (path: String, bytes: [UInt8], at: Int64) {
        let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
        var positions: [EventPosition] = []
        for number in 0..<100 { positions.append(try await log.append(event("dev1", number))) }
        await log.close()
        let path = try Self.lastSegment(directory)
        var bytes = try readFile(path)
        let position = SegmentHeader.bytes + Int(positions[10].offset)
        bytes[position + 20] ^= 0x01
        try writeFile(path, bytes)
        return (path, bytes, Int64(position))
    }

    @Test("damage that a full scan finds with more after it than one batch could be refuses to open")
    func damageBeforeTheTailRefuses() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = EventLogConfiguration.small(segmentBytes: 1 << 20)
            configuration.pendingAppendBytesMax = 2048
            let (path, bytes, at) = try await damagedLog(directory, configuration)
            // Without its index the last segment is scanned from its first record.
            try FileManager.default.removeItem(atPath: String(path.dropLast(4)) + ".index")
            do {
                _ = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
                Issue.record("opened a log with damage before its tail")
            } catch let EventLogError.corruptRecord(partition, segment, position, reason) {
                #expect(partition == 0 && segment == "00000000000000000000.log" && position == at)
                guard case .checksumMismatch = reason else { Issue.record("\(reason)"); return }
            }
            #expect(try readFile(path) == bytes, "nothing was cut")
        }
    }

    @Test("damage before the last index point is not scanned at open; reading across it reports it")
    func damageFoundByReaders() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = EventLogConfiguration.small(segmentBytes: 1 << 20)
            let (_, _, at) = try await damagedLog(directory, configuration)
            let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
            #expect(try log.read(partition: 0, from: .earliest, maxCount: 10).count == 10)
            #expect(throws: EventLogError.self) { try log.read(partition: 0, from: .earliest, maxCount: 11) }
            do {
                _ = try log.read(partition: 0, from: .sequenceNumber(5), maxCount: 20)
            } catch let EventLogError.corruptRecord(_, segment, position, _) {
                #expect(segment == "00000000000000000000.log" && position == at)
            }
            // Past the damage, seeks land on index points after it and read on.
            #expect(try log.read(partition: 0, from: .sequenceNumber(60), maxCount: 100).map(\.sequenceNumber) == Array(60..<100))
            #expect(try await log.append(event("dev1", 100)).sequenceNumber == 100)
            await log.close()
        }
    }
}
