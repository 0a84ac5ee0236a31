/// Writes a packet into caller-owned memory. The caller has checked the capacity against
/// `MQTTPacket.encodedByteCount`, so the writer never allocates and never grows anything.
struct MQTTByteWriter {
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far.
    private(set) var index = 0

    init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
    }

    mutating func write(_ byte: UInt8) {
        buffer[index] = byte
        index += 1
    }

    /// A Two Byte Integer, most significant byte first (§1.5.2).
    mutating func write(_ value: UInt16) {
        write(UInt8(truncatingIfNeeded: value >> 8))
        write(UInt8(truncatingIfNeeded: value))
    }

    /// The variable-length remaining length: 7 bits a byte, low groups first, the high bit
    /// saying another byte follows (§2.2.3). Always the shortest form.
    mutating func writeRemainingLength(_ length: Int) {
        var value = length
        repeat {
            var byte = UInt8(truncatingIfNeeded: value & 0x7F)
            value >>= 7
            if value > 0 { byte |= 0x80 }
            write(byte)
        } while value > 0
    }

    /// Raw bytes with no length prefix (the PUBLISH payload, §3.3.3).
    mutating func write(bytes: [UInt8]) {
        bytes.withUnsafeBytes { copy($0) }
    }

    /// Binary data: a two-byte length, then the bytes (§3.1.3.3, §3.1.3.5).
    mutating func write(binary: [UInt8]) {
        write(UInt16(binary.count))
        write(bytes: binary)
    }

    /// A UTF-8 encoded string: a two-byte length, then the bytes (§1.5.3).
    mutating func write(string: String) {
        let utf8 = string.utf8
        write(UInt16(utf8.count))
        let copied: Void? = utf8.withContiguousStorageIfAvailable { copy(UnsafeRawBufferPointer($0)) }
        if copied == nil {
            for byte in utf8 { write(byte) }
        }
    }

    private mutating func copy(_ source: UnsafeRawBufferPointer) {
        guard source.count > 0 else { return }
        UnsafeMutableRawBufferPointer(rebasing: buffer[index..<index + source.count]).copyMemory(from: source)
        index += source.count
    }
}

/// The size of the remaining-length field for `length` (§2.2.3, table 2.4).
func remainingLengthFieldBytes(_ length: Int) -> Int {
    switch length {
    case ..<128: 1
    case ..<16_384: 2
    case ..<2_097_152: 3
    default: 4
    }
}

/// The size of a length-prefixed string or binary field, trapping on one the two-byte length
/// cannot describe (§1.5.3: at most 65,535 bytes) rather than writing a corrupt frame.
func lengthPrefixedFieldBytes(_ count: Int) -> Int {
    precondition(count <= Int(UInt16.max), "MQTT string or binary field of \(count) bytes exceeds 65535")
    return 2 + count
}
