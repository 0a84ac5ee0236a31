/// Request line and field line syntax (RFC 9112 §3, §5), each parsed once per complete line.
extension HTTPRequestDecoder {
    /// `method SP request-target SP HTTP-version`, with exactly one SP between them (RFC 9112
    /// §3: no tolerance for other whitespace, which is how request smuggling starts).
    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPDecodeError) -> HTTPRequestHead {
        guard let firstSpace = line.firstIndex(of: 0x20) else { throw .invalidRequestLine }
        let method = line[..<firstSpace]
        guard !method.isEmpty, method.allSatisfy({ HTTPSyntax.isTokenByte[Int($0)] }) else { throw .invalidMethod }
        let afterMethod = line[(firstSpace + 1)...]
        guard let secondSpace = afterMethod.lastIndex(of: 0x20), secondSpace > afterMethod.startIndex else {
            throw .invalidRequestLine
        }
        let target = afterMethod[..<secondSpace]
        try validateTarget(target)
        let version = try parseVersion(afterMethod[(secondSpace + 1)...])
        return HTTPRequestHead(method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self), version: version)
    }

    /// origin-form (`/path?query`) or absolute-form (`scheme://authority/path?query`), every
    /// byte from RFC 3986's set and every "%" followed by two hex digits (RFC 9112 §3.2).
    /// asterisk-form and authority-form (OPTIONS *, CONNECT) are not served.
    static func validateTarget(_ target: ArraySlice<UInt8>) throws(HTTPDecodeError) {
        guard let first = target.first else { throw .invalidRequestTarget }
        var index = target.startIndex
        while index < target.endIndex {
            let byte = target[index]
            guard HTTPSyntax.isTargetByte[Int(byte)] else { throw .invalidRequestTarget }
            if byte == UInt8(ascii: "%") {
                guard index + 2 < target.endIndex,
                      HTTPSyntax.hexValue(target[index + 1]) != nil,
                      HTTPSyntax.hexValue(target[index + 2]) != nil
                else { throw .invalidRequestTarget }
                index += 2
            }
            index += 1
        }
        if first == UInt8(ascii: "/") { return }
        // absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1),
        // then "://" and a non-empty authority.
        guard HTTPSyntax.isAlphaNumeric(first), !HTTPSyntax.isDigit(first),
              let colon = target.firstIndex(of: UInt8(ascii: ":")),
              target[target.startIndex..<colon].allSatisfy({ HTTPSyntax.isAlphaNumeric($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E }),
              target[colon...].starts(with: "://".utf8),
              colon + 3 < target.endIndex, target[colon + 3] != UInt8(ascii: "/"), target[colon + 3] != UInt8(ascii: "?")
        else { throw .invalidRequestTarget }
    }

    /// `HTTP/DIGIT.DIGIT`, case-sensitive (RFC 9112 §2.3); 1.0 and 1.1 only.
    static func parseVersion(_ text: ArraySlice<UInt8>) throws(HTTPDecodeError) -> HTTPVersion {
        let bytes = Array(text)
        guard bytes.count == 8, bytes[0..<5].elementsEqual("HTTP/".utf8), HTTPSyntax.isDigit(bytes[5]),
              bytes[6] == UInt8(ascii: "."), HTTPSyntax.isDigit(bytes[7])
        else { throw .invalidVersion }
        switch (bytes[5] - 0x30, bytes[7] - 0x30) {
        case (1, 0): return .http1_0
        case (1, 1): return .http1_1
        case (let major, let minor): throw .unsupportedVersion(major: major, minor: minor)
        }
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5).
    static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(HTTPDecodeError) -> (name: String, value: String) {
        guard let first = line.first else { throw .invalidHeaderName }
        // RFC 9112 §5.2: obs-fold (a line starting with whitespace) is rejected with 400.
        if HTTPSyntax.isWhitespace(first) { throw .obsoleteLineFolding }
        guard let nameEnd = line.firstIndex(where: { !HTTPSyntax.isTokenByte[Int($0)] }) else { throw .missingColon }
        let separator = line[nameEnd]
        if separator != UInt8(ascii: ":") {
            guard HTTPSyntax.isWhitespace(separator) else { throw .invalidHeaderName }
            // RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400.
            guard line[nameEnd...].contains(UInt8(ascii: ":")) else { throw .missingColon }
            throw .whitespaceBeforeColon
        }
        guard nameEnd > line.startIndex else { throw .invalidHeaderName }
        let value = HTTPSyntax.trimmed(line[(nameEnd + 1)...])
        guard value.allSatisfy({ HTTPSyntax.isFieldValueByte[Int($0)] }) else { throw .invalidHeaderValue }
        return (String(decoding: line[..<nameEnd], as: UTF8.self), String(decoding: value, as: UTF8.self))
    }
}
