import NaveModel
import Testing

/// The parser against fixture tables: every valid document serializes to its canonical form
/// (byte-exactly to itself when already canonical), every malformed one fails with the
/// expected reason at the expected offset.
@Suite("JSON parser")
struct JSONParserTests {
    @Test("valid documents parse and serialize canonically", arguments: validFixtures)
    func valid(_ fixture: ValidFixture) throws {
        let value = try JSONValue(parsing: fixture.input)
        let expected = fixture.canonical.map { Array($0.utf8) } ?? fixture.input
        #expect(value.serialized() == expected)
        #expect(value.serializedByteCount == expected.count)
        // The canonical form is a fixed point.
        #expect(try JSONValue(parsing: expected).serialized() == expected)
    }

    @Test("malformed documents fail with their reason and offset", arguments: malformedFixtures)
    func malformed(_ fixture: MalformedFixture) {
        #expect(throws: JSONParseError(fixture.reason, at: fixture.offset)) {
            try JSONValue(parsing: fixture.input, limits: fixture.limits)
        }
    }

    @Test("the malformed table covers every error reason")
    func everyReasonCovered() {
        let covered = Set(malformedFixtures.map(\.reason.rawValue))
        let all = Set(JSONParseError.Reason.allCases.map(\.rawValue))
        #expect(all.subtracting(covered).isEmpty, "uncovered: \(all.subtracting(covered).sorted())")
    }

    @Test("numbers: integers stay exact, others become doubles")
    func numberKinds() throws {
        #expect(try JSONValue(parsing: "9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .integer(.min))
        guard case .double(let double) = try JSONValue(parsing: "9223372036854775808") else {
            Issue.record("expected a double")
            return
        }
        #expect(double == 9_223_372_036_854_775_808.0)
        guard case .double = try JSONValue(parsing: "1.0") else {
            Issue.record("1.0 must stay a double")
            return
        }
        #expect(try JSONValue(parsing: "1.0") == .integer(1), "JSON equality compares numbers by value")
    }

    @Test("strings decode escapes and keep non-ASCII and NUL")
    func strings() throws {
        #expect(try JSONValue(parsing: #""\u0041\u00DF\u6771\uD834\uDD1E""#) == .string("Aß東𝄞"))
        #expect(try JSONValue(parsing: #""a\u0000b""#).stringValue?.utf8.count == 3)
        #expect(try JSONValue(parsing: #"{"k\"ey":"v"}"#)["k\"ey"] == .string("v"))
    }

    @Test("objects keep insertion order and allow lookup, set and remove")
    func objectOrder() throws {
        var object = try #require(try JSONValue(parsing: #"{"z":1,"a":2,"m":3}"#).objectValue)
        #expect(object.keys == ["z", "a", "m"])
        object["a"] = .string("x")
        object["b"] = .null
        #expect(object.keys == ["z", "a", "m", "b"])
        #expect(object.removeValue(forKey: "z") == .integer(1))
        #expect(object.keys == ["a", "m", "b"] && object["m"] == .integer(3) && object.index(forKey: "b") == 2)
        object["m"] = nil
        #expect(JSONValue.object(object).serializedString() == #"{"a":"x","b":null}"#)
        let reordered: JSONObject = ["b": .null, "a": "x"]
        #expect(object == reordered && object.hashValue == reordered.hashValue)
    }

    @Test("parsing from a String, [UInt8] and a raw buffer agree")
    func entryPoints() throws {
        let text = #"{"a":[1,2.5,"é"]}"#
        let bytes = Array(text.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { buffer in try JSONValue(parsing: buffer) }
        #expect(try JSONValue(parsing: text) == fromBuffer)
        #expect(try JSONValue(parsing: bytes) == fromBuffer)
    }

    @Test("non-finite doubles serialize as null, never as invalid text")
    func nonFinite() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity)]).serializedString() == "[null,null]")
        #expect(JSONValue.double(-.infinity).serializedByteCount == 4)
    }

    @Test("depth counts container nesting")
    func depth() throws {
        #expect(JSONValue.integer(1).depth == 0)
        #expect(try JSONValue(parsing: "[]").depth == 1)
        #expect(try JSONValue(parsing: #"{"a":{"b":1},"c":[[[]]]}"#).depth == 4)
    }
}
