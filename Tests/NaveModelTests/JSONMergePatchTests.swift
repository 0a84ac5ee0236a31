import NaveModel
import Testing

/// RFC 7396 merge patch, against the RFC's own examples.
@Suite("JSON merge patch")
struct JSONMergePatchTests {
    struct Example: Sendable, CustomStringConvertible {
        let original: String
        let patch: String
        let result: String
        var description: String { "\(original) + \(patch)" }
        init(_ original: String, _ patch: String, _ result: String) {
            self.original = original
            self.patch = patch
            self.result = result
        }
    }

    /// RFC 7396 Appendix A, row by row (results in the order members end up in).
    static let appendixA: [Example] = [
        Example(#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        Example(#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        Example(#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        Example(#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        Example(#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        Example(#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        Example(#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        Example(#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        Example(#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        Example(#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        Example(#"{"a":"foo"}"#, "null", "null"),
        Example(#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        Example(#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        Example("[1,2]", #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        Example("{}", #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test("RFC 7396 Appendix A", arguments: appendixA)
    func appendix(_ example: Example) throws {
        let original = try JSONValue(parsing: example.original)
        let patch = try JSONValue(parsing: example.patch)
        #expect(original.merged(with: patch).serializedString() == example.result)
        var target = original
        let changed = target.merge(patch)
        #expect(changed == (example.original != example.result))
    }

    @Test("RFC 7396 §3's worked example")
    func section3() throws {
        let target = try JSONValue(parsing: """
            {"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}
            """)
        let patch = try JSONValue(parsing: """
            {"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}
            """)
        #expect(target.merged(with: patch).serializedString() == """
            {"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}
            """)
    }

    @Test("merge reports no change when nothing changes")
    func unchanged() throws {
        var twin = try JSONValue(parsing: #"{"a":1,"b":{"c":"d"},"e":[1]}"#)
        for patch in [#"{}"#, #"{"a":1}"#, #"{"a":1.0}"#, #"{"x":null}"#, #"{"b":{"c":"d","z":null}}"#, #"{"e":[1]}"#] {
            let changed = twin.merge(try JSONValue(parsing: patch))
            #expect(!changed, "\(patch)")
        }
        #expect(twin.serializedString() == #"{"a":1,"b":{"c":"d"},"e":[1]}"#)
        let changed = twin.merge(try JSONValue(parsing: #"{"b":{"c":null}}"#))
        #expect(changed)
        #expect(twin.serializedString() == #"{"a":1,"b":{},"e":[1]}"#)
    }

    @Test("merging a patch twice is idempotent")
    func idempotent() throws {
        let patch = try JSONValue(parsing: #"{"a":{"b":null,"c":[null]},"d":{"e":{"f":1}}}"#)
        var twin = try JSONValue(parsing: #"{"a":{"b":1},"g":2}"#)
        let first = twin.merge(patch)
        #expect(first)
        #expect(twin.serializedString() == #"{"a":{"c":[null]},"g":2,"d":{"e":{"f":1}}}"#)
        let second = twin.merge(patch)
        #expect(!second)
    }
}
