/// Percent-encoding over UTF-8 (RFC 3986 §2.1), matching what the Azure Python SDKs put on the
/// wire: `urllib.parse.quote(s, safe=…)` for SAS `sr` and `sig` (contract §1.3, §4.1) and the MQTT
/// username query (§1.2), `quote_plus` for the service SAS `sr`, and `unquote` for decoding.
public enum PercentEncoding {
    /// Bytes `quote` never escapes, whatever `safe` says: `A-Z a-z 0-9 _ . - ~` (Python 3.7+,
    /// RFC 3986 §2.3 unreserved).
    @inlinable
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// `urllib.parse.quote(text, safe=safe)`: every UTF-8 byte outside the unreserved set and
    /// `safe` becomes `%XX` (uppercase hex). Only ASCII characters of `safe` count, as in Python,
    /// which drops the rest (`safe.encode("ascii", "ignore")`).
    @inlinable
    public static func encode(_ text: some StringProtocol, safe: String = "") -> String {
        withUTF8Buffer(text) { encode(utf8: $0, safe: ASCIISet(safe), spaceAsPlus: false) }
    }

    /// `urllib.parse.quote_plus(text, safe=safe)`: as `encode`, but a space becomes `+` (and a
    /// literal `+` is escaped unless it is in `safe`).
    @inlinable
    public static func encodePlus(_ text: some StringProtocol, safe: String = "") -> String {
        withUTF8Buffer(text) { encode(utf8: $0, safe: ASCIISet(safe), spaceAsPlus: true) }
    }

    /// The UTF-8 byte count of `encode(text)` (`safe` empty), without building it: each byte
    /// outside the unreserved set takes three.
    public static func encodedByteCount(_ text: String) -> Int {
        var count = 0
        for byte in text.utf8 { count += isUnreserved(byte) ? 1 : 3 }
        return count
    }

    /// Percent-encodes raw bytes (no UTF-8 step), as `quote_from_bytes`.
    @inlinable
    public static func encode(bytes: some Collection<UInt8>, safe: String = "", spaceAsPlus: Bool = false) -> String {
        withByteBuffer(bytes) { encode(utf8: $0, safe: ASCIISet(safe), spaceAsPlus: spaceAsPlus) }
    }

    /// Strict `unquote`: the bytes `text` encodes, or nil when a `%` is not followed by two hex
    /// digits (Python would keep such a `%` literally; a token or username with one is malformed,
    /// so it is refused rather than guessed at). `plusIsSpace` turns `+` into a space as
    /// `unquote_plus` does; IoT Hub's SAS and MQTT username values do not (§1.2: `%20`, never `+`).
    @inlinable
    public static func decodeBytes(_ text: some StringProtocol, plusIsSpace: Bool = false) -> [UInt8]? {
        withUTF8Buffer(text) { decode(utf8: $0, plusIsSpace: plusIsSpace) }
    }

    /// Strict `unquote` to a string: nil on a bad escape (see `decodeBytes`) or when the decoded
    /// bytes are not valid UTF-8 (Python would substitute U+FFFD; a hub identifier never needs it).
    @inlinable
    public static func decode(_ text: some StringProtocol, plusIsSpace: Bool = false) -> String? {
        withUTF8Buffer(text) { utf8 in
            // Fast path: nothing to decode, the input already is the (valid) string.
            let special = plusIsSpace ? UInt8(ascii: "+") : UInt8(ascii: "%")
            if !utf8.contains(UInt8(ascii: "%")) && !utf8.contains(special) {
                return String(decoding: utf8, as: UTF8.self)
            }
            return decode(utf8: utf8, plusIsSpace: plusIsSpace).flatMap { String(validating: $0, as: UTF8.self) }
        }
    }

    /// Strict `unquote` of UTF-8 bytes (a slice of a larger text, say) to a string; nil as for
    /// `decode(_:plusIsSpace:)`.
    @inlinable
    public static func decode(utf8 bytes: some Collection<UInt8>, plusIsSpace: Bool = false) -> String? {
        withByteBuffer(bytes) { utf8 in
            decode(utf8: utf8, plusIsSpace: plusIsSpace).flatMap { String(validating: $0, as: UTF8.self) }
        }
    }

    @usableFromInline
    static func encode(utf8: UnsafeBufferPointer<UInt8>, safe: ASCIISet, spaceAsPlus: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count + utf8.count / 2)
        for byte in utf8 {
            if isUnreserved(byte) || safe.contains(byte) {
                output.append(byte)
            } else if spaceAsPlus && byte == UInt8(ascii: " ") {
                output.append(UInt8(ascii: "+"))
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(Hex.digit(byte >> 4, uppercase: true))
                output.append(Hex.digit(byte & 0x0F, uppercase: true))
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    @usableFromInline
    static func decode(utf8: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count, let high = Hex.value(utf8[index + 1]), let low = Hex.value(utf8[index + 2]) else {
                    return nil
                }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return output
    }
}

/// A set of ASCII bytes as a 128-bit mask (no allocation per call).
@usableFromInline
struct ASCIISet {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    @usableFromInline
    init(_ characters: String) {
        for byte in characters.utf8 where byte < 128 {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
    }

    func contains(_ byte: UInt8) -> Bool {
        if byte < 64 { return low & (1 << UInt64(byte)) != 0 }
        return byte < 128 && high & (1 << UInt64(byte - 64)) != 0
    }
}
