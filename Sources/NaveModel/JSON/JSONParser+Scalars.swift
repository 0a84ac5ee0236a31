/// Strings and numbers: the byte-level rules of RFC 8259 §6–§8.
extension JSONParser {
    /// A string starting at the quote under `position` (RFC 8259 §7), UTF-8 checked per
    /// RFC 3629 §4. Runs without escapes become the String directly; escapes go through the
    /// reused scratch buffer.
    mutating func parseString() throws(JSONParseError) -> String {
        let quote = position
        position += 1
        var runStart = position
        var escaped = false
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard position < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let run = UnsafeRawBufferPointer(rebasing: bytes[runStart..<position])
                position += 1
                if !escaped {
                    guard run.count <= limits.stringBytesMax else { throw JSONParseError(.stringTooLong, at: quote) }
                    return String(decoding: run, as: UTF8.self)
                }
                scratch.append(contentsOf: run)
                guard scratch.count <= limits.stringBytesMax else { throw JSONParseError(.stringTooLong, at: quote) }
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]))
                escaped = true
                try readEscape()
                runStart = position
            case 0x00..<0x20:
                throw JSONParseError(.controlCharacterInString, at: position)
            case 0x20..<0x80:
                position += 1
            default:
                try skipUTF8Sequence()
            }
        }
    }

    /// One multi-byte UTF-8 sequence at `position` (RFC 3629 §4's table: no overlong forms, no
    /// surrogates, nothing above U+10FFFF).
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let count: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; secondRange = 0x80...0x9F
        case 0xF0: count = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; secondRange = 0x80...0x8F
        default: throw JSONParseError(.invalidUTF8, at: position)
        }
        for index in 1..<count {
            guard position + index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position + index) }
            let range = index == 1 ? secondRange : 0x80...0xBF
            guard range.contains(bytes[position + index]) else { throw JSONParseError(.invalidUTF8, at: position) }
        }
        position += count
    }

    /// The escape at `position` (a backslash), appended to `scratch` as UTF-8 (RFC 8259 §7).
    private mutating func readEscape() throws(JSONParseError) {
        let start = position
        guard position + 1 < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position + 1) }
        let code = bytes[position + 1]
        position += 2
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(code)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xDC00...0xDFFF).contains(scalar) { throw JSONParseError(.loneSurrogate, at: start) }
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed at once by `\u` and a low one (RFC 8259 §7).
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else { throw JSONParseError(.loneSurrogate, at: start) }
                position += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONParseError(.loneSurrogate, at: start) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            appendUTF8(scalar)
        default:
            throw JSONParseError(.invalidEscape, at: start)
        }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 {
            guard position + index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position + index) }
            let byte = bytes[position + index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONParseError(.invalidUnicodeEscape, at: position + index)
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// `number = [ minus ] int [ frac ] [ exp ]` (RFC 8259 §6). Without fraction and exponent
    /// and within `Int64`, an exact `.integer`; otherwise a finite `.double`.
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count else { throw JSONParseError(.invalidNumber, at: position) }
        // Accumulated negatively so Int64.min fits; nil once it overflows.
        var integer: Int64? = 0
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw JSONParseError(.leadingZero, at: start) }
        } else {
            guard isDigit(bytes[position]) else { throw JSONParseError(.invalidNumber, at: position) }
            while position < bytes.count, isDigit(bytes[position]) {
                let digit = Int64(bytes[position] - UInt8(ascii: "0"))
                if let current = integer {
                    let (times10, overflow1) = current.multipliedReportingOverflow(by: 10)
                    let (next, overflow2) = times10.subtractingReportingOverflow(digit)
                    integer = overflow1 || overflow2 ? nil : next
                }
                position += 1
            }
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            try skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            try skipDigits()
        }
        guard position - start <= limits.numberBytesMax else { throw JSONParseError(.numberTooLong, at: start) }
        if isInteger, let integer {
            if negative { return .integer(integer) }
            if integer != .min { return .integer(-integer) }
        }
        let token = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(token), double.isFinite else { throw JSONParseError(.numberOutOfRange, at: start) }
        return .double(double)
    }

    /// `1*DIGIT` of a fraction or exponent.
    private mutating func skipDigits() throws(JSONParseError) {
        guard position < bytes.count, isDigit(bytes[position]) else { throw JSONParseError(.invalidNumber, at: position) }
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
