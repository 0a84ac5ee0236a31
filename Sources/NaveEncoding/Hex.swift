/// Base16 (RFC 4648 §8): X.509 thumbprints (uppercase, contract §1.4) and percent escapes.
public enum Hex {
    /// The hex digit for a value 0...15.
    @inlinable
    public static func digit(_ value: UInt8, uppercase: Bool) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : (uppercase ? UInt8(ascii: "A") : UInt8(ascii: "a")) + value - 10
    }

    /// The value of one hex digit of either case, or nil.
    @inlinable
    public static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// Two digits per byte, no separators. IoT Hub shows thumbprints in uppercase.
    public static func encode(_ bytes: some Sequence<UInt8>, uppercase: Bool = false) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            output.append(digit(byte >> 4, uppercase: uppercase))
            output.append(digit(byte & 0x0F, uppercase: uppercase))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of an even-length string of hex digits (either case), or nil. Separators such as
    /// `:` are not skipped here; callers that accept them strip them first.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let digits = text.utf8
        guard digits.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(digits.count / 2)
        var iterator = digits.makeIterator()
        while let first = iterator.next() {
            guard let high = value(first), let second = iterator.next(), let low = value(second) else { return nil }
            output.append(high << 4 | low)
        }
        return output
    }
}
