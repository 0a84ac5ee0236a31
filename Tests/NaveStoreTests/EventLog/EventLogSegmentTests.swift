import Foundation
import NaveCore
import NaveModel
import Testing
@testable import NaveStore

@Suite("Event log: segments and indexes")
struct EventLogSegmentTests {
    /// 300 records of ~100 bytes in 4 KiB segments: about 40 per segment, 8 segments.
    static func fill(_ log: EventLog, clock: ManualClock, count: Int = 300) async throws -> [EventPosition] {
        var positions: [EventPosition] = []
        for number in 0..<count {
            positions.append(try await log.append(event("dev1", number, bodyBytes: 60)))
            clock.advance(seconds: 1)
        }
        return positions
    }

    @Test("segments roll at segmentBytesMax, are named by base offset, and seeks work in every one")
    func rollAndSeek() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let log = try EventLog(directory: directory, configuration: .small(), clock: clock)
            let positions = try await Self.fill(log, clock: clock)
            let files = try segmentFiles(directory)
            #expect(files.count >= 7)
            for file in files {
                #expect(try fileSize(file) <= 4096)
                let name = URL(fileURLWithPath: file).lastPathComponent
                let base = Int64(name.dropLast(4))!
                // The first record of every segment sits at the base offset the name says.
                #expect(positions.contains { $0.offset == base }, "\(name)")
            }
            try Self.checkSeeks(log, positions)
            await log.close()
        }
    }

    static func checkSeeks(_ log: EventLog, _ positions: [EventPosition]) throws {
        #expect(try log.read(partition: 0, from: .earliest, maxCount: 1000).map(\.sequenceNumber) == Array(0..<Int64(positions.count)))
        for position in positions where position.sequenceNumber % 7 == 0 {
            let bySequence = try log.read(partition: 0, from: .sequenceNumber(position.sequenceNumber), maxCount: 2)
            #expect(bySequence.first?.offset == position.offset)
            let byOffset = try log.read(partition: 0, from: .offset(position.offset), maxCount: 2)
            #expect(byOffset.first?.sequenceNumber == position.sequenceNumber)
            let byTime = try log.read(partition: 0, from: .enqueuedTime(position.enqueuedTime), maxCount: 2)
            #expect(byTime.first?.sequenceNumber == position.sequenceNumber)
            #expect(byTime.count == min(2, positions.count - Int(position.sequenceNumber)))
        }
    }

    @Test("reopening continues sequence numbers and offsets; indexes missing or damaged are rebuilt")
    func reopenAndRebuildIndexes() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            var log = try EventLog(directory: directory, configuration: .small(), clock: clock)
            var positions = try await Self.fill(log, clock: clock, count: 200)
            await log.close()

            let folder = directory + "/events/p0"
            let indexes = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".index") }.sorted()
            #expect(indexes.count == (try segmentFiles(directory)).count)
            try FileManager.default.removeItem(atPath: folder + "/" + indexes[0])          // missing
            try writeFile(folder + "/" + indexes[1], [1, 2, 3])                           // torn
            var shuffled = try readFile(folder + "/" + indexes[2])                        // out of order
            shuffled.swapAt(16, 32)
            try writeFile(folder + "/" + indexes[2], shuffled)
            let sealed = try readFile(folder + "/" + indexes[3])                          // seal entry lost
            try writeFile(folder + "/" + indexes[3], Array(sealed.dropLast(16)))

            log = try EventLog(directory: directory, configuration: .small(), clock: clock)
            try Self.checkSeeks(log, positions)
            for index in indexes[0...3] {
                #expect(try readFile(folder + "/" + index) == (try Self.rebuiltIndex(folder, index)))
            }
            positions += try await (200..<260).asyncMap { number in
                defer { clock.advance(seconds: 1) }
                return try await log.append(event("dev1", number, bodyBytes: 60))
            }
            #expect(positions.map(\.sequenceNumber) == Array(0..<260))
            #expect(positions[200].offset == positions[199].offset + Int64(EventFrame.frameBytes(
                payloadBytes: EventRecordCodec.payloadBytes(of: event("dev1", 199, bodyBytes: 60)))))
            try Self.checkSeeks(log, positions)
            await log.close()
        }
    }

    /// The index a scan of the segment gives: first record, every 256 bytes, last record.
    static func rebuiltIndex(_ folder: String, _ index: String) throws -> [UInt8] {
        let log = try readFile(folder + "/" + String(index.dropLast(6)) + ".log")
        var entries: [UInt8] = []
        var position = SegmentHeader.bytes
        var lastEntry = -1_000_000
        var relative: UInt32 = 0
        var last: [UInt8] = []
        while position < log.count {
            let length = Int(log[position]) | Int(log[position + 1]) << 8
            let time = Array(log[(position + 8 + 18)..<(position + 8 + 26)])
            let entry = withUnsafeBytes(of: relative.littleEndian, Array.init)
                + withUnsafeBytes(of: UInt32(position).littleEndian, Array.init) + time
            if position - lastEntry >= 256 {
                entries += entry
                lastEntry = position
                last = []
            } else {
                last = entry
            }
            position += 8 + length
            relative += 1
        }
        return entries + last
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
