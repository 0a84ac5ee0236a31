/// Character classes of RFC 9110 §5.6.2 and RFC 3986 §2, as 256-entry lookup tables so every
/// byte of a request costs one load.
enum HTTPSyntax {
    /// tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|"
    /// / "~" / DIGIT / ALPHA (RFC 9110 §5.6.2).
    static let isTokenByte: [Bool] = table { byte in
        isAlphaNumeric(byte) || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }

    /// field-vchar, SP and HTAB: VCHAR (0x21–0x7E), obs-text (0x80–0xFF) (RFC 9110 §5.5).
    static let isFieldValueByte: [Bool] = table { byte in
        byte == 0x20 || byte == 0x09 || (byte >= 0x21 && byte != 0x7F)
    }

    /// The bytes a request target may hold besides "%" escapes: unreserved, sub-delims, ":",
    /// "@", "/", "?" (RFC 3986 §3.3, §3.4), so no space, quote, "#", "<", ">", "\", "^", "`",
    /// "{", "|", "}" or control character.
    static let isTargetByte: [Bool] = table { byte in
        isAlphaNumeric(byte) || Array("-._~!$&'()*+,;=:@/?%".utf8).contains(byte)
    }

    /// Host: reg-name or IP-literal bytes, ":" before a port (RFC 3986 §3.2.2).
    static let isHostByte: [Bool] = table { byte in
        isAlphaNumeric(byte) || Array("-._~!$&'()*+,;=:%[]".utf8).contains(byte)
    }

    static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The value of a hex digit, or nil.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// ASCII lowercase, leaving every other byte alone.
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Whether `bytes` equals `lowercaseASCII` ignoring ASCII case.
    static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ lowercaseASCII: String) -> Bool {
        bytes.count == lowercaseASCII.utf8.count && zip(bytes, lowercaseASCII.utf8).allSatisfy { lowercased($0) == $1 }
    }

    /// `bytes` without leading and trailing SP / HTAB (OWS, RFC 9110 §5.6.3).
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isWhitespace(bytes[start]) { start += 1 }
        while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }

    /// The elements of a comma-separated list (RFC 9110 §5.6.1), trimmed; empty elements kept,
    /// so a caller that forbids them can see them.
    static func listElements(_ value: String) -> [Substring] {
        value.split(separator: ",", omittingEmptySubsequences: false).map { element in
            var element = element[...]
            while let first = element.first, first == " " || first == "\t" { element.removeFirst() }
            while let last = element.last, last == " " || last == "\t" { element.removeLast() }
            return element
        }
    }

    private static func table(_ predicate: (UInt8) -> Bool) -> [Bool] {
        (0...255).map { predicate(UInt8($0)) }
    }
}
