/// A cursor over one packet's variable header and payload: exactly the `remainingLength`
/// bytes of the fixed header (MQTT 3.1.1 §2.2.3), so running past the end means a field
/// overran the length the packet announced.
///
/// It borrows the bytes for the duration of one decode and never copies them; only the
/// values handed out (strings, payload arrays) are copied.
struct MQTTByteReader {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// The packet being read, named in `truncated` and `trailingBytes` errors.
    let type: MQTTPacketType

    init(_ bytes: UnsafeRawBufferPointer, type: MQTTPacketType) {
        self.bytes = bytes
        self.type = type
    }

    /// How many bytes are left unread.
    var remainingByteCount: Int { bytes.count - index }

    mutating func readUInt8() throws(MQTTDecodeError) -> UInt8 {
        guard index < bytes.count else { throw .truncated(type) }
        defer { index += 1 }
        return bytes[index]
    }

    /// A Two Byte Integer, most significant byte first (§1.5.2).
    mutating func readUInt16() throws(MQTTDecodeError) -> UInt16 {
        guard remainingByteCount >= 2 else { throw .truncated(type) }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    /// A packet identifier, which is never 0 (§2.3.1 [MQTT-2.3.1-1]).
    mutating func readPacketID() throws(MQTTDecodeError) -> UInt16 {
        let packetID = try readUInt16()
        guard packetID != 0 else { throw .zeroPacketID(type) }
        return packetID
    }

    /// A two-byte length followed by that many bytes: the framing shared by UTF-8 strings
    /// (§1.5.3) and the binary will message and password (§3.1.3.3, §3.1.3.5).
    mutating func readLengthPrefixedBytes() throws(MQTTDecodeError) -> UnsafeRawBufferPointer {
        let length = Int(try readUInt16())
        guard remainingByteCount >= length else { throw .truncated(type) }
        defer { index += length }
        return UnsafeRawBufferPointer(rebasing: bytes[index..<index + length])
    }

    /// Binary data (will message, password) as an owned array.
    mutating func readBinary() throws(MQTTDecodeError) -> [UInt8] {
        Array(try readLengthPrefixedBytes())
    }

    /// A UTF-8 encoded string, checked against §1.5.3 before it becomes a `String`.
    mutating func readString() throws(MQTTDecodeError) -> String {
        makeString(try readValidUTF8())
    }

    /// A topic name (PUBLISH, will topic): a string that is also valid per §4.7.
    mutating func readTopicName() throws(MQTTDecodeError) -> String {
        let utf8 = try readValidUTF8()
        if let violation = MQTTTopic.topicNameViolation(utf8) { throw .invalidTopicName(violation) }
        return makeString(utf8)
    }

    /// A topic filter (SUBSCRIBE, UNSUBSCRIBE): a string that is also valid per §4.7.1.
    mutating func readTopicFilter() throws(MQTTDecodeError) -> String {
        let utf8 = try readValidUTF8()
        if let violation = MQTTTopic.topicFilterViolation(utf8) { throw .invalidTopicFilter(violation) }
        return makeString(utf8)
    }

    /// Everything left: the PUBLISH payload, whose length is implied (§3.3.3).
    mutating func readRest() -> UnsafeRawBufferPointer {
        defer { index = bytes.count }
        return UnsafeRawBufferPointer(rebasing: bytes[index...])
    }

    /// The packet must end exactly where its last field does (§2.2.3).
    func expectEnd() throws(MQTTDecodeError) {
        guard remainingByteCount == 0 else { throw .trailingBytes(type, count: remainingByteCount) }
    }

    private mutating func readValidUTF8() throws(MQTTDecodeError) -> UnsafeRawBufferPointer {
        let utf8 = try readLengthPrefixedBytes()
        if let violation = mqttUTF8Violation(utf8) { throw .invalidUTF8(violation) }
        return utf8
    }

    /// The bytes are already validated, so `String(decoding:)` has nothing to repair.
    private func makeString(_ utf8: UnsafeRawBufferPointer) -> String {
        utf8.withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self) }
    }
}
