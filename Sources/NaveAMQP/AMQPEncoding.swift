/// AMQP 1.0 type encodings (AMQP 1.0 §1.6, format codes in §1.6.1–§1.6.25), written by hand into
/// a caller's growable buffer. Only what Nave sends is here; each value takes its most compact
/// encoding (`smalllong` over `long`, `str8` over `str32`, `map8` over `map32`), as §1.6 allows
/// and every decoder must accept.
///
/// Appending to an `Array` that already has the capacity allocates nothing: the event encoder's
/// steady state relies on it (STYLE.md habit 8).
enum AMQPFormatCode {
    static let described: UInt8 = 0x00
    static let null: UInt8 = 0x40
    static let smallULong: UInt8 = 0x53
    static let smallLong: UInt8 = 0x55
    static let long: UInt8 = 0x81
    static let timestamp: UInt8 = 0x83
    static let vbin8: UInt8 = 0xA0
    static let str8: UInt8 = 0xA1
    static let sym8: UInt8 = 0xA3
    static let vbin32: UInt8 = 0xB0
    static let str32: UInt8 = 0xB1
    static let sym32: UInt8 = 0xB3
    static let list8: UInt8 = 0xC0
    static let map8: UInt8 = 0xC1
    static let list32: UInt8 = 0xD0
    static let map32: UInt8 = 0xD1
}

/// The two compound types (§1.6.22 list, §1.6.23 map): their 8-bit and 32-bit format codes.
enum AMQPCompoundKind {
    case list
    case map

    var codes: (small: UInt8, large: UInt8) {
        switch self {
        case .list: (AMQPFormatCode.list8, AMQPFormatCode.list32)
        case .map: (AMQPFormatCode.map8, AMQPFormatCode.map32)
        }
    }
}

extension AMQPByteSink {
    /// A section's descriptor (§1.5, §3.2): `0x00` then the descriptor code as `smallulong`.
    mutating func appendAMQPDescriptor(_ code: UInt8) {
        append(AMQPFormatCode.described)
        append(AMQPFormatCode.smallULong)
        append(code)
    }

    mutating func appendAMQPNull() { append(AMQPFormatCode.null) }

    /// `long` (§1.6.10): `smalllong` (one signed byte) when the value fits, else eight bytes.
    mutating func appendAMQPLong(_ value: Int64) {
        if let small = Int8(exactly: value) {
            append(AMQPFormatCode.smallLong)
            append(UInt8(bitPattern: small))
        } else {
            append(AMQPFormatCode.long)
            appendBigEndian(UInt64(bitPattern: value))
        }
    }

    /// `timestamp` (§1.6.17): milliseconds since the Unix epoch, signed, eight bytes.
    mutating func appendAMQPTimestamp(milliseconds: Int64) {
        append(AMQPFormatCode.timestamp)
        appendBigEndian(UInt64(bitPattern: milliseconds))
    }

    /// `string` (§1.6.20), UTF-8.
    mutating func appendAMQPString(_ text: String) {
        appendAMQPText(text, codes: (AMQPFormatCode.str8, AMQPFormatCode.str32))
    }

    /// `symbol` (§1.6.21). The spec means ASCII; a non-ASCII name is still written as its UTF-8
    /// bytes rather than dropped: Proton and pyamqp hand symbols over as raw bytes.
    mutating func appendAMQPSymbol(_ name: String) {
        appendAMQPText(name, codes: (AMQPFormatCode.sym8, AMQPFormatCode.sym32))
    }

    /// `binary` (§1.6.19).
    mutating func appendAMQPBinary(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { appendAMQPVariable($0, codes: (AMQPFormatCode.vbin8, AMQPFormatCode.vbin32)) }
    }

    /// `string` from UTF-8 bytes already at hand (a stored event's, `EventRecordView`).
    mutating func appendAMQPString(utf8 bytes: UnsafeRawBufferPointer) {
        appendAMQPVariable(bytes, codes: (AMQPFormatCode.str8, AMQPFormatCode.str32))
    }

    /// `symbol` from its bytes.
    mutating func appendAMQPSymbol(utf8 bytes: UnsafeRawBufferPointer) {
        appendAMQPVariable(bytes, codes: (AMQPFormatCode.sym8, AMQPFormatCode.sym32))
    }

    /// `binary` (§1.6.19) from bytes at hand.
    mutating func appendAMQPBinary(_ bytes: UnsafeRawBufferPointer) {
        appendAMQPVariable(bytes, codes: (AMQPFormatCode.vbin8, AMQPFormatCode.vbin32))
    }

    /// `value` as a `string` of its decimal digits (Event Hubs' offsets are strings that the
    /// SDK decodes, contract §6.4, §6.6), written without building a `String`.
    mutating func appendAMQPDecimalString(_ value: Int64) {
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let length = digits + (value < 0 ? 1 : 0)  // at most 20: always str8
        append(AMQPFormatCode.str8)
        append(UInt8(length))
        if value < 0 { append(UInt8(ascii: "-")) }
        // The digits are written last first into a small stack buffer, then appended at once.
        withUnsafeTemporaryAllocation(byteCount: digits, alignment: 1) { text in
            for index in stride(from: digits - 1, through: 0, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            append(contentsOf: UnsafeRawBufferPointer(text))
        }
    }

    /// Starts a list or map whose size is not known yet: room for the 32-bit header (code,
    /// size, count; §1.6.22). Returns where it starts, for `endAMQPCompound`.
    mutating func beginAMQPCompound() -> Int {
        let start = count
        let zeros: (UInt64, UInt8) = (0, 0)
        Swift.withUnsafeBytes(of: zeros) { append(contentsOf: UnsafeRawBufferPointer(rebasing: $0.prefix(Self.compound32HeaderBytes))) }
        return start
    }

    /// Ends the compound begun at `start` with `elementCount` elements (a map counts keys and
    /// values, §1.6.23). Its header becomes the 8-bit form when size and count fit in a byte:
    /// the elements then move back by the 6 bytes saved (in place; no allocation).
    mutating func endAMQPCompound(at start: Int, elementCount: Int, kind: AMQPCompoundKind) {
        let elementBytes = count - start - Self.compound32HeaderBytes
        // The size field counts the count field and the elements (§1.6.22).
        if elementBytes + 1 <= Int(UInt8.max), elementCount <= Int(UInt8.max) {
            remove((start + Self.compound8HeaderBytes)..<(start + Self.compound32HeaderBytes))
            store(kind.codes.small, at: start)
            store(UInt8(elementBytes + 1), at: start + 1)
            store(UInt8(elementCount), at: start + 2)
        } else {
            store(kind.codes.large, at: start)
            storeBigEndian(Self.uint32(elementBytes + 4), at: start + 1)
            storeBigEndian(Self.uint32(elementCount), at: start + 5)
        }
    }

    /// Code, size byte, count byte.
    private static var compound8HeaderBytes: Int { 3 }
    /// Code, 4-byte size, 4-byte count.
    private static var compound32HeaderBytes: Int { 9 }

    /// A variable-width value (§1.6.19–§1.6.21): one length byte up to 255, else four.
    /// Text through its contiguous UTF-8 (one copy): appending a `String.UTF8View` as a
    /// collection went through the string's generic copy path, retains included, for every key
    /// and value of every event (about a tenth of the node's time in the events drain).
    private mutating func appendAMQPText(_ text: String, codes: (small: UInt8, large: UInt8)) {
        var text = text
        text.withUTF8 { appendAMQPVariable(UnsafeRawBufferPointer($0), codes: codes) }
    }

    /// Over raw bytes, not `some Collection<UInt8>`: the generic form was called unspecialized
    /// from the event encoder, a witness call per byte.
    private mutating func appendAMQPVariable(_ bytes: UnsafeRawBufferPointer, codes: (small: UInt8, large: UInt8)) {
        let length = bytes.count
        if length <= Int(UInt8.max) {
            append(codes.small)
            append(UInt8(length))
        } else {
            append(codes.large)
            appendBigEndian(Self.uint32(length))
        }
        append(contentsOf: bytes)
    }

    /// AMQP's widest sizes are 32 bits. Nothing Nave sends comes near 4 GiB (a frame is 64 KiB,
    /// an event at most 256 KiB, contract §1.7), so a larger length is a bug, not input.
    private static func uint32(_ length: Int) -> UInt32 {
        guard let value = UInt32(exactly: length) else { preconditionFailure("AMQP value of \(length) bytes") }
        return value
    }

    /// One append of the value's bytes rather than one per byte: each `append` checks the
    /// buffer's uniqueness and capacity, which showed in the events drain's profile.
    private mutating func appendBigEndian(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    private mutating func appendBigEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    private mutating func storeBigEndian(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { store(UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index)), at: offset + index) }
    }
}
