import NaveCodecTestSupport
import NaveModel
import Testing
@testable import NaveStore

@Suite("Event log: CRC-32C, partitioner and record codec")
struct EventLogCodecTests {
    @Test("CRC-32C matches RFC 3720 §B.4 and the check value, and continues from a seed")
    func crc32c() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) } // crosses the 8-byte steps
        #expect(CRC32C.checksum(long) == 0xDD2E_DFF7)
        for split in [0, 1, 7, 8, 9, 500, 1000] {
            let first = CRC32C.checksum(Array(long[..<split]))
            #expect(CRC32C.checksum(Array(long[split...]), seed: first) == 0xDD2E_DFF7)
        }
    }

    @Test("the instruction and the table agree, at every length and alignment")
    func crc32cHardwareMatchesTable() {
        #expect(CRC32C.usesHardware, "x86-64 hosts have SSE 4.2: the instruction path is the one measured")
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for end in stride(from: start, through: all.count, by: 13) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    #expect(CRC32C.checksum(slice, seed: 0x1234) == CRC32C.tableChecksum(slice, seed: 0x1234))
                }
            }
        }
    }

    @Test("partitions are FNV-1a of the UTF-8 device id, frozen forever")
    func partitionerIsStable() {
        #expect(EventPartitioner.fnv1a32("".utf8) == 0x811C_9DC5)
        #expect(EventPartitioner.fnv1a32("a".utf8) == 0xE40C_292C)
        #expect(EventPartitioner.fnv1a32("foobar".utf8) == 0xBF9C_F968)
        // Computed independently (Python); changing any of these moves devices between partitions.
        let expected: [(String, count4: Int, count32: Int, count128: Int)] = [
            ("dev1", 3, 23, 119), ("device-0042", 0, 24, 56), ("thermostat-01", 0, 0, 96),
            ("ünïcödé", 2, 18, 82), ("my-edge/module", 0, 28, 28),
        ]
        for (id, four, thirtyTwo, oneTwentyEight) in expected {
            #expect(EventPartitioner.partition(forDeviceID: id, partitionCount: 4) == four, "\(id)")
            #expect(EventPartitioner.partition(forDeviceID: id, partitionCount: 32) == thirtyTwo, "\(id)")
            #expect(EventPartitioner.partition(forDeviceID: id, partitionCount: 128) == oneTwentyEight, "\(id)")
        }
    }

    @Test("seeded random records round-trip through payload and frame, and sizes are exact")
    func roundTrip() throws {
        for seed in UInt64(1)...300 {
            var random = SeededGenerator(seed: seed)
            let record = Self.randomRecord(&random)
            let payload = EventRecordCodec.encode(record)
            #expect(payload.count == EventRecordCodec.payloadBytes(of: record.data), "seed \(seed)")
            #expect(try EventRecordCodec.decode(payload) == record, "seed \(seed)")
            let frame = EventFrame.encode(record)
            #expect(frame.count == EventFrame.frameBytes(payloadBytes: payload.count))
            #expect(try EventFrame.decodeRecord(frame, recordBytesMax: 1 << 20) == record, "seed \(seed)")
        }
    }

    @Test("a view reads a stored record's fields in place, as decoding does; damage is refused the same way")
    func viewReadsInPlace() throws {
        for seed in UInt64(1)...300 {
            var random = SeededGenerator(seed: seed)
            let record = Self.randomRecord(&random)
            try EventRecordCodec.encode(record).withUnsafeBytes { payload in
                let view = try EventRecordView(payload: payload)
                #expect(view.sequenceNumber == record.sequenceNumber && view.offset == record.offset, "seed \(seed)")
                #expect(view.enqueuedTime == record.enqueuedTime, "seed \(seed)")
                #expect(Array(view.deviceID) == Array(record.deviceID.utf8), "seed \(seed)")
                #expect(view.moduleID.map { Array($0) } == record.moduleID.map { Array($0.utf8) }, "seed \(seed)")
                #expect(view.systemProperties.map { EventProperty($0.key.text, String(decoding: $0.value, as: UTF8.self)) }
                        == record.systemProperties, "seed \(seed)")
                #expect(view.applicationProperties.map {
                    EventProperty(String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
                } == record.applicationProperties, "seed \(seed)")
                #expect(Array(view.body) == record.body, "seed \(seed)")
            }
        }
        // Layout damage: the view refuses what decoding refuses (text is decoding's to check).
        for (name, bytes, expected) in Self.corruptPayloads() where !(expected.isInvalidUTF8) {
            #expect(throws: expected, "\(name)") { try bytes.withUnsafeBytes { _ = try EventRecordView(payload: $0) } }
        }
    }

    @Test("the frame decoder asks for more until a frame is whole, fed a byte at a time")
    func dripFeed() throws {
        var random = SeededGenerator(seed: 7)
        let frame = EventFrame.encode(Self.randomRecord(&random))
        for end in 0..<frame.count {
            let step = try Array(frame[..<end]).withUnsafeBytes { try EventFrame.next(in: $0, recordBytesMax: 1 << 20) }
            #expect(step == .needMore(frameBytes: end < 8 ? 8 : frame.count))
        }
        let whole = try (frame + [1, 2, 3]).withUnsafeBytes { try EventFrame.next(in: $0, recordBytesMax: 1 << 20) }
        #expect(whole == .frame(payload: 8..<frame.count, frameBytes: frame.count))
    }

    static let sample = EventRecord(
        sequenceNumber: 5, offset: 640, enqueuedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000),
        data: EventData(deviceID: "dev1", moduleID: "mod1",
                        systemProperties: [EventProperty(EventSystemProperty.messageID, "mid-1"), EventProperty("x-custom", "v")],
                        applicationProperties: [EventProperty("alert", "true")], body: Array("{\"temp\": 21.5}".utf8)))

    /// (name, bytes, the corruption expected). Offsets follow `EventRecordCodec`'s layout.
    static func corruptPayloads() -> [(String, [UInt8], EventRecordCorruption)] {
        let good = EventRecordCodec.encode(sample)
        func with(_ index: Int, _ byte: UInt8) -> [UInt8] { var bytes = good; bytes[index] = byte; return bytes }
        let deviceLength = 26, moduleLength = 31, systemCount = 36
        return [
            ("empty", [], .truncated(field: "record header", needed: 26, available: 0)),
            ("header cut", Array(good[..<20]), .truncated(field: "record header", needed: 26, available: 20)),
            ("version 2", with(0, 2), .unsupportedVersion(2)),
            ("unknown flag", with(1, 0x81), .unknownFlags(0x81)),
            ("device id longer than the record", with(deviceLength, 0x7F),
             .truncated(field: "device id", needed: 127, available: good.count - 27)),
            ("module id not UTF-8", { var b = good; b[moduleLength + 1] = 0xFF; return b }(), .invalidUTF8(field: "module id")),
            ("varint runs over 5 bytes", Array(good[..<deviceLength]) + [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
             .invalidVarint(field: "device id")),
            ("varint over 2^32", Array(good[..<deviceLength]) + [0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
             .invalidVarint(field: "device id")),
            ("varint padded", Array(good[..<deviceLength]) + [0x84, 0x00] + Array(good[(deviceLength + 1)...]),
             .invalidVarint(field: "device id")),
            ("system count beyond the record", with(systemCount, 0x7F),
             .truncated(field: "system property count", needed: 254, available: good.count - 37)),
            ("unknown system key code", with(systemCount + 1, 200), .unknownSystemKey(code: 200)),
            ("body cut", Array(good.dropLast()), .truncated(field: "body", needed: 14, available: 13)),
            ("trailing byte", good + [0], .trailingBytes(count: 1)),
        ]
    }

    @Test("text is taken as stored when ASCII and validated otherwise: multi-byte UTF-8 round-trips, a malformed sequence anywhere in it is refused")
    func textValidation() throws {
        let text = "dév-🙂-1"
        var record = Self.sample
        record.deviceID = text
        record.applicationProperties = [EventProperty("ключ", "値")]
        #expect(try EventRecordCodec.decode(EventRecordCodec.encode(record)) == record)
        // The device id's bytes start at 27, after its length byte; each malformed sequence
        // (overlong, surrogate, above U+10FFFF, 0xFF, a lead byte before ASCII) overwrites
        // them from the second byte on, after an ASCII "d".
        let secondByteAt = 28
        for malformed: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xC3, 0x41]] {
            var bytes = EventRecordCodec.encode(record)
            bytes.replaceSubrange(secondByteAt..<(secondByteAt + malformed.count), with: malformed)
            #expect(throws: EventRecordCorruption.invalidUTF8(field: "device id"), "\(malformed)") {
                try EventRecordCodec.decode(bytes)
            }
        }
    }

    @Test("corrupt payloads fail with the reason, never a trap")
    func corruptPayloadTable() {
        for (name, bytes, expected) in Self.corruptPayloads() {
            #expect(throws: expected, "\(name)") { try EventRecordCodec.decode(bytes) }
        }
    }

    @Test("corrupt frames: bad CRC, length overflow, length under the minimum, cut, garbage")
    func corruptFrameTable() {
        let good = EventFrame.encode(Self.sample)
        var badCRC = good
        badCRC[5] ^= 0x01
        var flipped = good
        flipped[good.count - 3] ^= 0x40
        var overflow = good
        overflow.replaceSubrange(0..<4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        var tiny = good
        tiny.replaceSubrange(0..<4, with: [3, 0, 0, 0])
        let crc = CRC32C.checksum(Array(good[8...]))
        let cases: [(String, [UInt8], EventRecordCorruption)] = [
            ("bad CRC", badCRC, .checksumMismatch(stored: crc ^ 0x100, computed: crc)),
            ("flipped body byte", flipped, .checksumMismatch(stored: crc, computed: CRC32C.checksum(Array(flipped[8...])))),
            ("length overflow", overflow, .lengthOutOfRange(length: UInt32.max, max: 1 << 20)),
            ("length under the minimum", tiny, .lengthOutOfRange(length: 3, max: 1 << 20)),
            ("cut", Array(good.dropLast(2)), .truncated(field: "frame", needed: good.count, available: good.count - 2)),
            ("zeros", [UInt8](repeating: 0, count: 64), .lengthOutOfRange(length: 0, max: 1 << 20)),
        ]
        for (name, bytes, expected) in cases {
            #expect(throws: expected, "\(name)") { try EventFrame.decodeRecord(bytes, recordBytesMax: 1 << 20) }
        }
    }

    @Test("random garbage and random damage never trap the decoders")
    func garbageNeverTraps() {
        let good = EventFrame.encode(Self.sample)
        for seed in UInt64(1)...2000 {
            var random = SeededGenerator(seed: seed)
            var bytes: [UInt8]
            if seed % 2 == 0 {
                bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                bytes = good
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            _ = try? EventFrame.decodeRecord(bytes, recordBytesMax: 1 << 20)
            _ = try? EventRecordCodec.decode(Array(bytes.dropFirst(min(8, bytes.count))))
        }
    }

    static func randomRecord(_ random: inout SeededGenerator) -> EventRecord {
        func text(_ maxCount: Int) -> String {
            let alphabet = Array("abcXYZ019-_.$ /&=é€😀")
            return String((0..<Int.random(in: 0...maxCount, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        let keys = EventRecordCodec.systemKeys + ["iothub-creation-time-utc", "custom-system"]
        let system = (0..<Int.random(in: 0...6, using: &random)).map { _ in
            EventProperty(keys.randomElement(using: &random)!, text(40))
        }
        let application = (0..<Int.random(in: 0...6, using: &random)).map { _ in EventProperty(text(12), text(30)) }
        let bodyBytes = Int.random(in: 0...3, using: &random) == 0 ? Int.random(in: 0...70_000, using: &random)
            : Int.random(in: 0...300, using: &random)
        let data = EventData(deviceID: text(128), moduleID: Bool.random(using: &random) ? text(64) : nil,
                             systemProperties: system, applicationProperties: application,
                             body: (0..<bodyBytes).map { _ in UInt8.random(in: 0...255, using: &random) })
        return EventRecord(sequenceNumber: Int64.random(in: 0...Int64.max, using: &random),
                           offset: Int64.random(in: 0...Int64.max, using: &random),
                           enqueuedTime: Timestamp(millisecondsSinceEpoch: Int64.random(in: Int64.min...Int64.max, using: &random)),
                           data: data)
    }
}

private extension EventRecordCorruption {
    var isInvalidUTF8: Bool {
        if case .invalidUTF8 = self { return true }
        return false
    }
}
