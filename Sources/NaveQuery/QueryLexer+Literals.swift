import NaveModel

extension QueryLexer {
    /// `0x` hex digits, or a decimal: digits, optional fraction, optional exponent (§1.3). A
    /// decimal without fraction or exponent that fits Int64 is an integer, as JSON's parser
    /// reads it; other decimals are doubles (infinite ones refused).
    mutating func number(from start: Int) throws(QueryError) -> QueryToken {
        if scalar(at: start) == "0", let x = scalar(at: start + 1), x == "x" || x == "X" {
            position = start + 2
            var value: Int64 = 0
            while let scalar = scalar(at: position), scalar.isASCII, let digit = Int64(String(scalar), radix: 16) {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 16)
                guard !overflow else { throw error(.syntax, "hexadecimal number out of range", at: start) }
                value = shifted + digit
                position += 1
            }
            guard position > start + 2 else { throw error(.syntax, "expected hexadecimal digits after '0x'", at: start) }
            try refuseTrailingName(after: start)
            return QueryToken(kind: .number(.integer(value)), offset: start, end: position)
        }
        position = start
        var isInteger = true
        skipDigits()
        if scalar(at: position) == ".", let digit = scalar(at: position + 1), Self.isDigit(digit) {
            isInteger = false
            position += 1
            skipDigits()
        }
        if let e = scalar(at: position), e == "e" || e == "E" {
            var cursor = position + 1
            if let sign = scalar(at: cursor), sign == "+" || sign == "-" { cursor += 1 }
            guard let digit = scalar(at: cursor), Self.isDigit(digit) else {
                throw error(.syntax, "expected digits in the number's exponent", at: start)
            }
            isInteger = false
            position = cursor
            skipDigits()
        }
        try refuseTrailingName(after: start)
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[start..<position])
        if isInteger, let integer = Int64(text) {
            return QueryToken(kind: .number(.integer(integer)), offset: start, end: position)
        }
        guard let double = Double(text), double.isFinite else { throw error(.syntax, "number out of range", at: start) }
        return QueryToken(kind: .number(.double(double)), offset: start, end: position)
    }

    private mutating func skipDigits() {
        while let scalar = scalar(at: position), Self.isDigit(scalar) { position += 1 }
    }

    private func refuseTrailingName(after start: Int) throws(QueryError) {
        if let scalar = scalar(at: position), Self.isIdentifierPart(scalar) {
            throw error(.syntax, "unexpected '\(scalar.escaped(asASCII: true))' after a number", at: position)
        }
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    /// A string in single or double quotes with the four escapes of §1.3 (`\'`, `\"`, `\\`,
    /// `\uXXXX`; a surrogate pair written as two `\u` escapes is one scalar).
    mutating func stringLiteral(quote: Unicode.Scalar, from start: Int) throws(QueryError) -> QueryToken {
        position = start + 1
        var view = String.UnicodeScalarView()
        var count = 0
        while true {
            guard let scalar = scalar(at: position) else {
                throw error(.syntax, "expected \(quote) to close the string", at: start)
            }
            position += 1
            if scalar == quote { break }
            count += 1
            guard count <= limits.stringLiteralCharactersMax else {
                throw error(.limitExceeded("stringLiteralCharactersMax"),
                            "a string is longer than \(limits.stringLiteralCharactersMax) characters", at: start)
            }
            guard scalar == "\\" else {
                view.append(scalar)
                continue
            }
            let escapeOffset = position - 1
            switch self.scalar(at: position) {
            case "'": view.append("'"); position += 1
            case "\"": view.append("\""); position += 1
            case "\\": view.append("\\"); position += 1
            case "u":
                position += 1
                var value = try hexUnit(escapeOffset)
                if (0xD800..<0xDC00).contains(value) {
                    guard self.scalar(at: position) == "\\", self.scalar(at: position + 1) == "u" else {
                        throw error(.syntax, "expected a low surrogate after a high surrogate", at: escapeOffset)
                    }
                    position += 2
                    let low = try hexUnit(escapeOffset)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw error(.syntax, "expected a low surrogate after a high surrogate", at: escapeOffset)
                    }
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let decoded = Unicode.Scalar(value) else {
                    throw error(.syntax, "a lone surrogate in a \\u escape", at: escapeOffset)
                }
                view.append(decoded)
            default:
                throw error(.syntax, "unknown escape; expected \\', \\\", \\\\ or \\uXXXX", at: escapeOffset)
            }
        }
        return QueryToken(kind: .string(String(view)), offset: start, end: position)
    }

    private mutating func hexUnit(_ escapeOffset: Int) throws(QueryError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = scalar(at: position), let digit = UInt32(String(scalar), radix: 16), scalar.isASCII else {
                throw error(.syntax, "expected four hexadecimal digits after \\u", at: escapeOffset)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
