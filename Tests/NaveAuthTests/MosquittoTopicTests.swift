import NaveAuth
import Testing

/// ACL topic matching against Mosquitto's own table (test/unit/util_topic_test.c,
/// `TEST_topic_matching`), plus the filter relations SUBSCRIBE checks use.
@Suite("Mosquitto topic matching")
struct MosquittoTopicTests {
    static func matches(_ filter: String, _ topic: String) -> Bool {
        MosquittoTopic.matches(filter: Array(filter.utf8), topic: topic)
    }

    @Test("Mosquitto's matches", arguments: [
        ("foo/#", "foo/"), ("foo/#", "foo"), ("foo//bar", "foo//bar"), ("foo//+", "foo//bar"),
        ("foo/+/+/baz", "foo///baz"), ("foo/bar/+", "foo/bar/"), ("foo/bar", "foo/bar"), ("foo/+", "foo/bar"),
        ("foo/+/baz", "foo/bar/baz"), ("A/B/+/#", "A/B/B/C"), ("foo/+/#", "foo/bar/baz"), ("foo/+/#", "foo/bar"),
        ("#", "foo/bar/baz"), ("#", "/foo/bar"), ("/#", "/foo/bar"), ("$SYS/bar", "$SYS/bar"), ("$SYS/#", "$SYS/bar"),
        ("+/+", "/"), ("+", "foo"),
    ])
    func match(filter: String, topic: String) {
        #expect(Self.matches(filter, topic))
    }

    @Test("Mosquitto's non-matches and invalid inputs", arguments: [
        ("test/6/#", "test/3"), ("foo/bar", "foo"), ("foo/+", "foo/bar/baz"), ("foo/+/baz", "foo/bar/bar"),
        ("foo/+/#", "fo2/bar/baz"), ("/#", "foo/bar"), ("#", "$SYS/bar"), ("$BOB/bar", "$SYS/bar"), ("+/bar", "$SYS/bar"),
        ("+foo", "+foo"), ("fo+o", "foao"), ("foo+", "fooa"), ("foo/+bar", "foo/abar"), ("foo/bar+", "foo/bara"),
        ("#foo", "#foo"), ("foo#", "foo"), ("foo/#a", "foo"), ("/#a", "foo/bar"),
        ("foo/+", "foo/+"), ("foo/#", "foo/+"), ("foo/#", "foo/bar/+"), ("foo/+", "foo/#"), ("foo/#", "foo/bar/#"),
        ("", "foo"), ("foo", ""),
    ])
    func noMatch(filter: String, topic: String) {
        #expect(!Self.matches(filter, topic))
    }

    @Test("valid ACL topics (mosquitto_sub_topic_check)", arguments: [
        ("a/b", true), ("+", true), ("#", true), ("a/+/c", true), ("a/#", true), ("+/+/#", true), ("a b/c", true),
        ("a+", false), ("a/#/b", false), ("#a", false), ("a/b#", false), ("+a/b", false),
    ])
    func validity(filter: String, valid: Bool) {
        #expect(MosquittoTopic.isValidFilter(filter) == valid)
    }

    @Test("overlap and cover of two filters", arguments: [
        // rule, filter, overlaps, rule covers filter
        ("sensors/#", "#", true, false), ("#", "sensors/+", true, true), ("a/+", "a/b", true, true),
        ("a/b", "a/+", true, false), ("a/#", "a", true, true), ("a", "a/#", true, false), ("a/b", "a/c", false, false),
        ("a/+/c", "a/b/+", true, false), ("$SYS/#", "#", false, false), ("#", "$SYS/x", false, false),
        ("$SYS/#", "$SYS/x", true, true), ("+/x", "a/#", true, false), ("a/b/c", "a/b", false, false),
    ])
    func relations(rule: String, filter: String, overlaps: Bool, covers: Bool) {
        #expect(MosquittoTopic.overlaps(Array(rule.utf8), Array(filter.utf8)) == overlaps)
        #expect(MosquittoTopic.covers(Array(rule.utf8), Array(filter.utf8)) == covers)
    }
}
