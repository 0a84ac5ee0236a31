import NaveModel

/// Documents that must parse, with the compact text they serialize to. `canonical` is nil
/// when the input already is its canonical form (then it must round-trip byte-exactly).
struct ValidFixture: Sendable, CustomStringConvertible {
    let input: [UInt8]
    let canonical: String?
    var description: String { String(decoding: input, as: UTF8.self) }

    init(_ input: String, _ canonical: String? = nil) {
        self.input = Array(input.utf8)
        self.canonical = canonical
    }
}

let validFixtures: [ValidFixture] = [
    // Canonical already: byte-exact round trips.
    ValidFixture("null"), ValidFixture("true"), ValidFixture("false"),
    ValidFixture("0"), ValidFixture("-1"), ValidFixture("42"),
    ValidFixture("9223372036854775807"), ValidFixture("-9223372036854775808"),
    ValidFixture("1.5"), ValidFixture("-0.0"), ValidFixture("0.1"), ValidFixture("1e+16"),
    ValidFixture("5e-324"), ValidFixture("1.7976931348623157e+308"), ValidFixture("1e-05"),
    ValidFixture(#""""#), ValidFixture(#""a\"b\\c\n\t\b\f\r\u0001\u001f""#),
    ValidFixture("\"é€😀 /\""), ValidFixture("[]"), ValidFixture("{}"),
    ValidFixture("[1,[2,[3,[]]]]"), ValidFixture(#"{"b":1,"a":[true,null],"c":{"d":"e"},"":0}"#),
    ValidFixture(#"{"$version":4,"properties":{"desired":{"$metadata":{"$lastUpdated":"2024-01-01T00:00:00Z"}}}}"#),
    // Non-canonical inputs and what they become.
    ValidFixture(" \t\n\r[ ] ", "[]"),
    ValidFixture(#"{ "a" : 1 , "b" : [ 1 , 2 ] }"#, #"{"a":1,"b":[1,2]}"#),
    ValidFixture(#""\u00e9\u20AC\/""#, "\"é€/\""),
    ValidFixture(#""\uD83D\uDE00""#, "\"😀\""),
    ValidFixture(#""\u0000""#, #""\u0000""#),
    ValidFixture(#""\u007f""#, "\"\u{7F}\""),
    ValidFixture("1E2", "100.0"), ValidFixture("1.50", "1.5"), ValidFixture("2.0e0", "2.0"),
    ValidFixture("-0", "0"), ValidFixture("1e-400", "0.0"),
    ValidFixture("9223372036854775808", "9.223372036854776e+18"),
    ValidFixture("-9223372036854775809", "-9.223372036854776e+18"),
    ValidFixture("123456789012345678901234567890", "1.2345678901234568e+29"),
]

/// Documents that must be refused, with the reason and byte offset expected.
struct MalformedFixture: Sendable, CustomStringConvertible {
    let input: [UInt8]
    let reason: JSONParseError.Reason
    let offset: Int
    let limits: JSONLimits
    let note: String
    var description: String { "\(note): \(reason)@\(offset)" }

    init(_ input: String, _ reason: JSONParseError.Reason, _ offset: Int, limits: JSONLimits = .default) {
        self.init(Array(input.utf8), reason, offset, limits: limits, note: input)
    }

    init(_ input: [UInt8], _ reason: JSONParseError.Reason, _ offset: Int, limits: JSONLimits = .default, note: String) {
        self.input = input
        self.reason = reason
        self.offset = offset
        self.limits = limits
        self.note = note
    }
}

let malformedFixtures: [MalformedFixture] = [
    MalformedFixture("[1,2]", .documentTooLarge, 4, limits: JSONLimits(documentBytesMax: 4)),
    MalformedFixture("[[[1]]]", .depthExceeded, 2, limits: JSONLimits(depthMax: 2)),
    MalformedFixture(#"{"a":{"b":[]}}"#, .depthExceeded, 10, limits: JSONLimits(depthMax: 2)),
    MalformedFixture(#""abcd""#, .stringTooLong, 0, limits: JSONLimits(stringBytesMax: 3)),
    MalformedFixture(#"["ab\n\n"]"#, .stringTooLong, 1, limits: JSONLimits(stringBytesMax: 3)),
    MalformedFixture(#"{"abcd":1}"#, .stringTooLong, 1, limits: JSONLimits(stringBytesMax: 3)),
    MalformedFixture("12345", .numberTooLong, 0, limits: JSONLimits(numberBytesMax: 4)),
    MalformedFixture("[1.2e+3]", .numberTooLong, 1, limits: JSONLimits(numberBytesMax: 4)),
    MalformedFixture("", .unexpectedEnd, 0),
    MalformedFixture("   ", .unexpectedEnd, 3),
    MalformedFixture("[1,2", .unexpectedEnd, 4),
    MalformedFixture("[", .unexpectedEnd, 1),
    MalformedFixture(#"{"a":1"#, .unexpectedEnd, 6),
    MalformedFixture(#"{"a""#, .unexpectedEnd, 4),
    MalformedFixture(#"{"a":"#, .unexpectedEnd, 5),
    MalformedFixture(#""abc"#, .unexpectedEnd, 4),
    MalformedFixture(#""\"#, .unexpectedEnd, 2),
    MalformedFixture(#""\u12"#, .unexpectedEnd, 5),
    MalformedFixture("tru", .unexpectedEnd, 3),
    MalformedFixture("[1 2]", .unexpectedByte, 3),
    MalformedFixture(#"{"a" 1}"#, .unexpectedByte, 5),
    MalformedFixture("{1:2}", .unexpectedByte, 1),
    MalformedFixture("[1,]", .unexpectedByte, 3),
    MalformedFixture("[,1]", .unexpectedByte, 1),
    MalformedFixture("{,}", .unexpectedByte, 1),
    MalformedFixture(#"{"a":1,}"#, .unexpectedByte, 7),
    MalformedFixture(#"{"a":1]"#, .unexpectedByte, 6),
    MalformedFixture("[1}", .unexpectedByte, 2),
    MalformedFixture("NaN", .unexpectedByte, 0),
    MalformedFixture("Infinity", .unexpectedByte, 0),
    MalformedFixture("+1", .unexpectedByte, 0),
    MalformedFixture(".5", .unexpectedByte, 0),
    MalformedFixture("'a'", .unexpectedByte, 0),
    MalformedFixture([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], .unexpectedByte, 0, note: "byte order mark"),
    MalformedFixture("1 2", .trailingData, 2),
    MalformedFixture("{}x", .trailingData, 2),
    MalformedFixture("[]]", .trailingData, 2),
    MalformedFixture("truex", .trailingData, 4),
    MalformedFixture("trUe", .invalidLiteral, 0),
    MalformedFixture("[nul]", .invalidLiteral, 1),
    MalformedFixture("01", .leadingZero, 0),
    MalformedFixture("[-01]", .leadingZero, 1),
    MalformedFixture("-", .invalidNumber, 1),
    MalformedFixture("-Infinity", .invalidNumber, 1),
    MalformedFixture("1.", .invalidNumber, 2),
    MalformedFixture("1.e5", .invalidNumber, 2),
    MalformedFixture("1e", .invalidNumber, 2),
    MalformedFixture("1e+", .invalidNumber, 3),
    MalformedFixture("1e400", .numberOutOfRange, 0),
    MalformedFixture("[-1e400]", .numberOutOfRange, 1),
    MalformedFixture("\"a\u{01}\"", .controlCharacterInString, 2),
    MalformedFixture("\"a\nb\"", .controlCharacterInString, 2),
    MalformedFixture(#""\x""#, .invalidEscape, 1),
    MalformedFixture(#""\U0041""#, .invalidEscape, 1),
    MalformedFixture(#""\u12G4""#, .invalidUnicodeEscape, 5),
    MalformedFixture(#""\uD800""#, .loneSurrogate, 1),
    MalformedFixture(#""\uDC00""#, .loneSurrogate, 1),
    MalformedFixture(#""\uD800\u0041""#, .loneSurrogate, 1),
    MalformedFixture(#""\uD800\uD800""#, .loneSurrogate, 1),
    MalformedFixture([0x22, 0xC0, 0x80, 0x22], .invalidUTF8, 1, note: "overlong NUL"),
    MalformedFixture([0x22, 0xE0, 0x80, 0x80, 0x22], .invalidUTF8, 1, note: "overlong 3-byte"),
    MalformedFixture([0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, 1, note: "UTF-8 surrogate"),
    MalformedFixture([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, 1, note: "above U+10FFFF"),
    MalformedFixture([0x22, 0x61, 0xFF, 0x22], .invalidUTF8, 2, note: "0xFF"),
    MalformedFixture([0x22, 0x80, 0x22], .invalidUTF8, 1, note: "lone continuation"),
    MalformedFixture([0x22, 0xE2, 0x28, 0xA1, 0x22], .invalidUTF8, 1, note: "bad continuation"),
    MalformedFixture([0x22, 0xE2, 0x82], .unexpectedEnd, 3, note: "truncated sequence"),
    MalformedFixture(#"{"a":1,"a":2}"#, .duplicateKey, 7),
    MalformedFixture(#"[{"x":{},"y":1,"x":[]}]"#, .duplicateKey, 15),
]
