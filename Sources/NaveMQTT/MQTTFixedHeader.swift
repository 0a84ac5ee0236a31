/// The fixed header every packet starts with: type, flags and remaining length (MQTT 3.1.1
/// §2.2).
///
/// Everything that can be judged from these two to five bytes is judged here, so a bad or
/// oversized packet is refused before its body is awaited or buffered.
struct MQTTFixedHeader {
    /// The largest value the four-byte remaining-length field can carry (§2.2.3).
    static let remainingLengthMax = 268_435_455

    var type: MQTTPacketType
    /// The low nibble of the first byte (§2.2.2).
    var flags: UInt8
    /// The length of the variable header and payload (§2.2.3).
    var remainingLength: Int
    /// The length of the fixed header itself: 2 to 5 bytes.
    var byteCount: Int

    /// The whole packet: fixed header plus remaining length.
    var packetByteCount: Int { byteCount + remainingLength }

    /// Reads and checks the fixed header at the start of `bytes`; nil when `bytes` ends before
    /// the remaining-length field does.
    static func parse(
        _ bytes: UnsafeRawBufferPointer,
        maximumPacketBytes: Int
    ) throws(MQTTDecodeError) -> MQTTFixedHeader? {
        guard let first = bytes.first else { return nil }
        let type = try checkedType(first)
        guard let (remainingLength, fieldBytes) = try parseRemainingLength(bytes) else { return nil }
        let header = MQTTFixedHeader(
            type: type,
            flags: first & 0x0F,
            remainingLength: remainingLength,
            byteCount: 1 + fieldBytes
        )
        try header.checkLength(maximumPacketBytes: maximumPacketBytes)
        return header
    }

    /// The packet type and flags, both judged from the first byte alone (§2.2.1, §2.2.2).
    private static func checkedType(_ first: UInt8) throws(MQTTDecodeError) -> MQTTPacketType {
        guard let type = MQTTPacketType(rawValue: first >> 4) else {
            throw .reservedPacketType(first >> 4)
        }
        let flags = first & 0x0F
        if let required = type.requiredFlags {
            guard flags == required else { throw .invalidFixedHeaderFlags(type, flags: flags) }
            return type
        }
        // PUBLISH: the flags are DUP, QoS and RETAIN (§3.3.1).
        let qosBits = (flags & MQTTPublishFlags.qosMask) >> MQTTPublishFlags.qosShift
        guard qosBits != 3 else { throw .invalidPublishQoS }
        guard qosBits != 0 || flags & MQTTPublishFlags.dup == 0 else { throw .dupWithQoS0 }
        return type
    }

    /// Decodes the variable-length remaining length after the first byte: nil if incomplete;
    /// an error as soon as a fourth byte still says "more follows" (§2.2.3). Non-minimal
    /// encodings (e.g. 0x80 0x00 for 0) are accepted: MQTT 3.1.1, unlike 5.0, does not forbid
    /// them.
    private static func parseRemainingLength(
        _ bytes: UnsafeRawBufferPointer
    ) throws(MQTTDecodeError) -> (value: Int, fieldBytes: Int)? {
        var value = 0
        for position in 0..<4 {
            guard 1 + position < bytes.count else { return nil }
            let byte = bytes[1 + position]
            value |= Int(byte & 0x7F) << (7 * position)
            if byte & 0x80 == 0 { return (value, position + 1) }
        }
        throw .remainingLengthTooLong
    }

    /// Refuses lengths no body could make valid, and packets over the configured limit.
    private func checkLength(maximumPacketBytes: Int) throws(MQTTDecodeError) {
        if let required = type.fixedRemainingLength {
            guard remainingLength <= required else {
                throw .trailingBytes(type, count: remainingLength - required)
            }
            guard remainingLength == required else { throw .truncated(type) }
        }
        guard packetByteCount <= maximumPacketBytes else {
            throw .packetTooLarge(packetBytes: packetByteCount, maximumPacketBytes: maximumPacketBytes)
        }
    }

    /// The first byte of a packet: type in the high nibble, flags in the low (§2.2).
    static func firstByte(_ type: MQTTPacketType, flags: UInt8) -> UInt8 {
        type.rawValue << 4 | flags
    }
}
