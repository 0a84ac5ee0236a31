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
    public static func encode(_ text: some StringProtocol, safe: String = "") -> String {
        encode(bytes: text.utf8, safe: safe, spaceAsPlus: false)
    }

    /// `urllib.parse.quote_plus(text, safe=safe)`: as `encode`, but a space becomes `+` (and a
    /// literal `+` is escaped unless it is in `safe`).
    public static func encodePlus(_ text: some StringProtocol, safe: String = "") -> String {
        encode(bytes: text.utf8, safe: safe, spaceAsPlus: true)
    }

    /// Percent-encodes raw bytes (no UTF-8 step), as `quote_from_bytes`.
    public static func encode(bytes: some Sequence<UInt8>, safe: String = "", spaceAsPlus: Bool = false) -> String {
        var safeTable = [Bool](repeating: false, count: 128)
        for byte in safe.utf8 where byte < 128 { safeTable[Int(byte)] = true }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount)
        for byte in bytes {
            if isUnreserved(byte) || (byte < 128 && safeTable[Int(byte)]) {
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

    /// Strict `unquote`: the bytes `text` encodes, or nil when a `%` is not followed by two hex
    /// digits (Python would keep such a `%` literally; a token or username with one is malformed,
    /// so it is refused rather than guessed at). `plusIsSpace` turns `+` into a space as
    /// `unquote_plus` does; IoT Hub's SAS and MQTT username values do not (§1.2: `%20`, never `+`).
    public static func decodeBytes(_ text: some StringProtocol, plusIsSpace: Bool = false) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.value), let low = iterator.next().flatMap(Hex.value) else {
                    return nil
                }
                output.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                output.append(UInt8(ascii: " "))
            default:
                output.append(byte)
            }
        }
        return output
    }

    /// Strict `unquote` to a string: nil on a bad escape (see `decodeBytes`) or when the decoded
    /// bytes are not valid UTF-8 (Python would substitute U+FFFD; a hub identifier never needs it).
    public static func decode(_ text: some StringProtocol, plusIsSpace: Bool = false) -> String? {
        guard let bytes = decodeBytes(text, plusIsSpace: plusIsSpace) else { return nil }
        // Fast path: no escape shrank the input, so the bytes are the input's own, valid UTF-8.
        if !plusIsSpace && bytes.count == text.utf8.count {
            return String(text)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
