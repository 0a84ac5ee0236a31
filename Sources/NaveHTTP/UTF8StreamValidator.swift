/// Checks that a text message split across frames is UTF-8 (RFC 6455 §8.1), where a code
/// point may straddle two fragments: the incomplete tail of one fragment (at most 3 bytes) is
/// carried into the next.
struct UTF8StreamValidator: Sendable {
    private var carried: [UInt8] = []

    /// Whether `fragment`, after what was carried, is UTF-8 up to a possibly incomplete last
    /// sequence; at the `final` fragment, no sequence may be left incomplete.
    mutating func validate(_ fragment: [UInt8], final: Bool) -> Bool {
        let bytes = carried.isEmpty ? fragment : carried + fragment
        let split = final ? bytes.count : Self.completePrefixLength(bytes)
        guard String(validating: bytes[..<split], as: UTF8.self) != nil else { return false }
        carried = Array(bytes[split...])
        return true
    }

    /// The length of `bytes` without a trailing lead byte whose sequence is cut short.
    private static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        while index > max(0, bytes.count - 4) {
            index -= 1
            let byte = bytes[index]
            if byte & 0xC0 == 0x80 { continue }  // continuation byte: keep looking for its lead
            let sequenceBytes = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return index + sequenceBytes > bytes.count ? index : bytes.count
        }
        return bytes.count
    }
}
