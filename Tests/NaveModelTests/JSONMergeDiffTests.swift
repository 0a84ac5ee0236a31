import NaveModel
import Testing

/// `mergeDiff` is the inverse of RFC 7396 merging: applying the diff to the old object gives
/// the new one, and equal objects diff to nothing.
@Suite("JSON merge diff")
struct JSONMergeDiffTests {
    static let pairs: [(String, String)] = [
        ("{}", "{}"),
        (#"{"a":1}"#, #"{"a":1.0}"#),
        (#"{"a":1}"#, #"{"b":2}"#),
        (#"{"a":{"x":1,"y":[1,null]}}"#, #"{"a":{"x":1,"y":[1]}}"#),
        (#"{"a":{"x":1}}"#, #"{"a":{}}"#),
        (#"{"a":5}"#, #"{"a":{}}"#),
        (#"{"a":{"b":{"c":1}}}"#, #"{"a":"flat"}"#),
        (#"{"a":[{"b":1}]}"#, #"{"a":[{"b":2}],"n":{"m":{"k":true}}}"#),
    ]

    @Test("old merged with the diff is new", arguments: pairs)
    func roundTrip(old: String, new: String) throws {
        let before = try #require(try JSONValue(parsing: old).objectValue)
        let after = try #require(try JSONValue(parsing: new).objectValue)
        let diff = JSONObject.mergeDiff(from: before, to: after)
        #expect(JSONValue.object(before).merged(with: .object(diff)) == .object(after))
        #expect(diff.isEmpty == (before == after))
    }

    @Test("the diff holds only what changed, deletions as null")
    func minimal() throws {
        let diff = JSONObject.mergeDiff(from: try object(#"{"same":1,"nested":{"same":1,"changed":1},"gone":2}"#),
                                        to: try object(#"{"same":1,"nested":{"same":1,"changed":2},"new":3}"#))
        #expect(JSONValue.object(diff).serializedString() == #"{"nested":{"changed":2},"new":3,"gone":null}"#)
    }
}
