import NaveModel
import Testing

/// IoT Hub's twin limits at their edges (contract §8) and its member-name rules.
@Suite("Twin rules")
struct TwinRulesTests {
    static let time = Timestamp(secondsSinceEpoch: 1_700_000_000)

    func newTwin() -> Twin { Twin(deviceID: "d", identityGenerationID: "g", createdAt: Self.time) }

    /// `{"l1":{"l2":…{"lN":"leaf"}}}`: N objects counting the section's own, so N - 1 levels
    /// inside it (the devguide's example, ten levels, is `nested(11)`).
    func nested(_ levels: Int) -> JSONObject {
        var value: JSONValue = "leaf"
        for level in stride(from: levels, through: 1, by: -1) { value = .object(JSONObject([("l\(level)", value)])) }
        return value.objectValue!
    }

    /// Properties whose compact JSON is exactly `bytes` long, in string members of at most 4 KB.
    func properties(ofBytes bytes: Int) -> JSONObject {
        let count = bytes / 3_000 + 1
        var object = JSONObject((0..<count).map { ("k\($0)", JSONValue.string("")) })
        var remaining = bytes - JSONValue.object(object).serializedByteCount
        for index in 0..<count {
            let length = index == count - 1 ? remaining : remaining / (count - index)
            object["k\(index)"] = .string(String(repeating: "x", count: length))
            remaining -= length
        }
        return object
    }

    func expectArgumentInvalid(_ what: Comment, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected ArgumentInvalid: \(what)")
        } catch {
            let error = error as? HubError
            #expect(error?.code == 400_004 && error?.status == 400, what)
        }
    }

    @Test("member names: 1 KB of UTF-8 without '.', '$', space or control characters",
          arguments: [("a", true), ("ünï-code_ok:#", true), (String(repeating: "k", count: 1024), true),
                      (String(repeating: "é", count: 512), true), ("", false), ("a.b", false), ("$x", false),
                      ("x$", false), ("a b", false), ("tab\t", false), ("nul\u{0}", false), ("del\u{7F}", false),
                      ("c1\u{85}", false), (String(repeating: "k", count: 1025), false)])
    func keyRules(name: String, valid: Bool) throws {
        #expect(TwinRules.isValidKey(name) == valid)
        var twin = newTwin()
        let before = twin
        let patch = JSONObject([("outer", .object(JSONObject([(name, 1)])))])
        if valid {
            #expect(try twin.update(TwinUpdate(desired: patch), at: Self.time) != nil)
        } else {
            for section in TwinRules.Section.allCases {
                expectArgumentInvalid("\(section)") {
                    switch section {
                    case .tags: _ = try twin.update(TwinUpdate(tags: patch), at: Self.time)
                    case .desired: _ = try twin.replace(TwinUpdate(desired: patch), at: Self.time)
                    case .reported: _ = try twin.updateReported(patch, at: Self.time)
                    }
                }
            }
            let unchanged = twin == before
            #expect(unchanged)
        }
    }

    @Test("depth: 10 levels inside a section are accepted, 11 refused (IoT Hub's devguide example)")
    func depthEdge() throws {
        var twin = newTwin()
        #expect(try twin.update(TwinUpdate(tags: nested(11), desired: nested(11)), at: Self.time) != nil)
        #expect(try twin.updateReported(nested(11), at: Self.time) != nil)
        let before = twin
        expectArgumentInvalid("tags") { _ = try twin.update(TwinUpdate(tags: nested(12)), at: Self.time) }
        expectArgumentInvalid("desired") { _ = try twin.update(TwinUpdate(desired: nested(12)), at: Self.time) }
        expectArgumentInvalid("reported") { _ = try twin.updateReported(nested(12), at: Self.time) }
        // Arrays count as a level, as JSONValue.depth counts them.
        expectArgumentInvalid("array") { _ = try twin.updateReported(["a": .array([.object(nested(10))])], at: Self.time) }
        let unchanged = twin == before
        #expect(unchanged)
    }

    @Test("size: each section up to its limit exactly, one byte more refused and nothing changed",
          arguments: TwinRules.Section.allCases)
    func sizeEdge(section: TwinRules.Section) throws {
        let fits = properties(ofBytes: section.bytesMax)
        let over = properties(ofBytes: section.bytesMax + 1)
        #expect(JSONValue.object(fits).serializedByteCount == section.bytesMax)
        #expect(JSONValue.object(over).serializedByteCount == section.bytesMax + 1)
        func apply(_ properties: JSONObject, to twin: inout Twin) throws(HubError) -> TwinChange? {
            switch section {
            case .tags: try twin.update(TwinUpdate(tags: properties), at: Self.time)
            case .desired: try twin.update(TwinUpdate(desired: properties), at: Self.time)
            case .reported: try twin.updateReported(properties, at: Self.time)
            }
        }
        var twin = newTwin()
        #expect(try apply(fits, to: &twin) != nil)
        var fresh = newTwin()
        expectArgumentInvalid("\(section) over") { _ = try apply(over, to: &fresh) }
        let unchanged = fresh == newTwin()
        #expect(unchanged)
        // Growing a full section by one member is refused too: the limit is on the result.
        expectArgumentInvalid("\(section) grown") { _ = try apply(["more": 1], to: &twin) }
    }

    @Test("string values up to 4 KB and integers within ±2^52")
    func valueRules() throws {
        var twin = newTwin()
        let longest = String(repeating: "s", count: TwinRules.stringBytesMax)
        #expect(try twin.update(TwinUpdate(desired: ["s": .string(longest), "min": .integer(TwinRules.integerRange.lowerBound),
                                                     "max": .integer(TwinRules.integerRange.upperBound), "d": 1e300]),
                                at: Self.time) != nil)
        expectArgumentInvalid("string") { _ = try twin.update(TwinUpdate(desired: ["s": .string(longest + "s")]), at: Self.time) }
        expectArgumentInvalid("integer") { _ = try twin.updateReported(["i": .array([.integer(1 << 52)])], at: Self.time) }
    }

    @Test("the refusal names the section and the member path, with a long name cut short")
    func messages() {
        var twin = newTwin()
        do {
            _ = try twin.update(TwinUpdate(desired: ["a": ["b.c": 1]]), at: Self.time)
        } catch {
            #expect(error.message.contains("properties.desired.a has a member named 'b.c'"))
        }
        let long = String(repeating: "n", count: 2000) + "."
        do {
            _ = try twin.updateReported([long: 1], at: Self.time)
        } catch {
            #expect(error.message.count < 300)
        }
    }
}
