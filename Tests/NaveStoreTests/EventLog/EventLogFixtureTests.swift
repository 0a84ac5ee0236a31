import NaveCore
import NaveModel
import Testing
@testable import NaveStore

@Suite("Event log: on-disk fixtures")
struct EventLogFixtureTests {
    typealias Fixtures = EventLogFixtures
    static let first = "00000000000000000000.log", firstIndex = "00000000000000000000.index"

    func open(_ directory: String) throws -> EventLog {
        try EventLog(directory: directory, configuration: Fixtures.configuration, clock: ManualClock())
    }

    @Test("the fixture partition opens and reads back exactly; the encoder writes exactly its bytes")
    func goldenFormat() async throws {
        try await withTemporaryDirectory { directory in
            try Fixtures.install(in: directory)
            let log = try open(directory)
            #expect(try log.read(partition: 0, from: .earliest, maxCount: 10) == Fixtures.records)
            #expect(try log.read(partition: 0, from: .sequenceNumber(3), maxCount: 10) == Array(Fixtures.records[3...]))
            #expect(try log.info(partition: 0).lastOffset == 361)
            let appended = try await log.append(EventData(deviceID: "dev1", body: [1]))
            #expect(appended.sequenceNumber == 5 && appended.offset == 361 + 46)
            await log.close()

            let first = Fixtures.bytes(Fixtures.files[0].hex)
            let header = SegmentHeader(baseOffset: 0, baseSequenceNumber: 0, partition: 0).encoded()
            #expect(header + Fixtures.records[0..<4].flatMap(EventFrame.encode) == first)
        }
    }

    @Test("a flipped byte inside a sealed segment with its index lost: open refuses, naming file and position")
    func middleDamageScanned() async throws {
        try await withTemporaryDirectory { directory in
            try Fixtures.install(in: directory) { files in
                files[Self.first]![32 + 92 + 30] ^= 0x04
                files[Self.firstIndex] = nil
            }
            do {
                _ = try open(directory)
                Issue.record("opened a damaged sealed segment")
            } catch let EventLogError.corruptRecord(partition, segment, position, reason) {
                #expect(partition == 0 && segment == Self.first && position == 32 + 92)
                guard case .checksumMismatch = reason else { Issue.record("\(reason)"); return }
            }
        }
    }

    @Test("a flipped byte inside a sealed segment with a good index: opens, and readers get the error")
    func middleDamageRead() async throws {
        try await withTemporaryDirectory { directory in
            try Fixtures.install(in: directory) { $0[Self.first]![32 + 92 + 30] ^= 0x04 }
            let log = try open(directory)
            #expect(throws: EventLogError.self) { try log.read(partition: 0, from: .earliest, maxCount: 10) }
            #expect(try log.read(partition: 0, from: .earliest, maxCount: 1) == [Fixtures.records[0]])
            #expect(try log.read(partition: 0, from: .sequenceNumber(2), maxCount: 10) == Array(Fixtures.records[2...]))
            await log.close()
        }
    }

    @Test("a sealed segment that lost its last record is damage, not a torn tail: open refuses")
    func sealedSegmentCut() async throws {
        try await withTemporaryDirectory { directory in
            try Fixtures.install(in: directory) { $0[Self.first]!.removeLast(5) }
            #expect(throws: EventLogError.self) { try open(directory) }
        }
    }

    @Test("headers that do not fit: bad magic, a gap in sequence numbers, another partition's file")
    func headerProblems() async throws {
        let second = "00000000000000000361.log"
        let changes: [(String, (inout [String: [UInt8]]) -> Void)] = [
            ("bad magic", { $0[Self.first]![0] = UInt8(ascii: "X") }),
            ("sequence gap", {
                $0[second]!.replaceSubrange(0..<32, with: SegmentHeader(baseOffset: 361, baseSequenceNumber: 7, partition: 0).encoded())
            }),
            ("other partition", {
                $0[Self.first]!.replaceSubrange(0..<32, with: SegmentHeader(baseOffset: 0, baseSequenceNumber: 0, partition: 3).encoded())
            }),
            ("header CRC", { $0[Self.first]![20] ^= 1 }),
        ]
        for (name, change) in changes {
            try await withTemporaryDirectory { directory in
                try Fixtures.install(in: directory, change: change)
                #expect(throws: EventLogError.self, "\(name)") { try open(directory) }
            }
        }
    }
}
