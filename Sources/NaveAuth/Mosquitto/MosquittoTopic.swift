/// Topic rules of Mosquitto's access control, over UTF-8 bytes so a check allocates nothing.
///
/// `matches` is a line-for-line port of Mosquitto 2.0 `lib/util_topic.c`
/// `mosquitto_topic_matches_sub2`, which `security_default.c` uses for every ACL check: ordinary
/// MQTT matching (§4.7), where `a/#` also matches `a`, `+` matches an empty level, a filter
/// and a topic match only if both or neither start with `$` (§4.7.2), and a topic that itself
/// holds `+` or `#` matches nothing. `overlaps` and `covers` answer SUBSCRIBE checks (see
/// `ClientAccess.maySubscribe`).
public enum MosquittoTopic {
    static let plus = UInt8(ascii: "+")
    static let hash = UInt8(ascii: "#")
    static let slash = UInt8(ascii: "/")
    static let dollar = UInt8(ascii: "$")

    /// Whether `topic` matches the ACL filter `filter` (`mosquitto_topic_matches_sub`; an invalid
    /// input is no match).
    public static func matches(filter: UnsafeBufferPointer<UInt8>, topic: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !filter.isEmpty, !topic.isEmpty else { return false }
        if (filter[0] == dollar) != (topic[0] == dollar) { return false }
        // The C code walks NUL-terminated strings; 0 stands for "past the end" here.
        @inline(__always) func s(_ i: Int) -> UInt8 { i < filter.count ? filter[i] : 0 }
        @inline(__always) func t(_ i: Int) -> UInt8 { i < topic.count ? topic[i] : 0 }
        var si = 0
        var ti = 0
        while s(si) != 0 {
            if t(ti) == plus || t(ti) == hash { return false }
            if s(si) != t(ti) || t(ti) == 0 {
                if s(si) == plus {
                    // "+foo", "a/+foo", "foo+" are invalid filters.
                    if si > 0 && s(si - 1) != slash { return false }
                    if s(si + 1) != 0 && s(si + 1) != slash { return false }
                    si += 1
                    while t(ti) != 0 && t(ti) != slash {
                        if t(ti) == plus || t(ti) == hash { return false }
                        ti += 1
                    }
                    if t(ti) == 0 && s(si) == 0 { return true }
                } else if s(si) == hash {
                    if si > 0 && s(si - 1) != slash { return false }
                    if s(si + 1) != 0 { return false }
                    while t(ti) != 0 {
                        if t(ti) == plus || t(ti) == hash { return false }
                        ti += 1
                    }
                    return true
                } else {
                    // "foo/bar" matching "foo/+/#".
                    if t(ti) == 0 && si > 0 && s(si - 1) == plus && s(si) == slash && s(si + 1) == hash { return true }
                    return false
                }
            } else {
                // "foo" matching "foo/#".
                if t(ti + 1) == 0 && s(si + 1) == slash && s(si + 2) == hash && s(si + 3) == 0 { return true }
                si += 1
                ti += 1
                if s(si) == 0 && t(ti) == 0 { return true }
                if t(ti) == 0 && s(si) == plus && s(si + 1) == 0 {
                    return !(si > 0 && s(si - 1) != slash)
                }
            }
        }
        return false
    }

    public static func matches(filter: [UInt8], topic: String) -> Bool {
        var topic = topic
        return topic.withUTF8 { topic in filter.withUnsafeBufferPointer { matches(filter: $0, topic: topic) } }
    }

    /// Whether `filter` is a valid ACL topic (`mosquitto_sub_topic_check`): `+` only as a whole
    /// level, `#` only as the whole last level, at most 65,535 bytes.
    public static func isValidFilter(_ filter: some StringProtocol) -> Bool {
        var previous: UInt8 = 0
        let bytes = Array(filter.utf8)
        guard bytes.count <= 65_535 else { return false }
        for (index, byte) in bytes.enumerated() {
            let next: UInt8 = index + 1 < bytes.count ? bytes[index + 1] : 0
            if byte == plus, (previous != 0 && previous != slash) || (next != 0 && next != slash) { return false }
            if byte == hash, (previous != 0 && previous != slash) || next != 0 { return false }
            previous = byte
        }
        return true
    }

    /// Whether some topic matches both filters (valid ones).
    public static func overlaps(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard dollarCompatible(a, b) else { return false }
        let x = levels(a)
        let y = levels(b)
        var i = 0
        while true {
            if i == x.count && i == y.count { return true }
            if i == x.count { return y[i] == [hash] }
            if i == y.count { return x[i] == [hash] }
            if x[i] == [hash] || y[i] == [hash] { return true }
            if x[i] != [plus] && y[i] != [plus] && x[i] != y[i] { return false }
            i += 1
        }
    }

    /// Whether every topic `filter` matches is matched by `rule` too (valid filters).
    public static func covers(_ rule: [UInt8], _ filter: [UInt8]) -> Bool {
        guard !rule.isEmpty, !filter.isEmpty else { return false }
        // A filter whose first level is a wildcard matches only topics without `$`; a rule
        // that starts with `$` matches only topics with it (and the other way round).
        let filterFirstIsWildcard = filter[0] == plus || filter[0] == hash
        let ruleFirstIsWildcard = rule[0] == plus || rule[0] == hash
        if filter[0] == dollar && ruleFirstIsWildcard { return false }
        if rule[0] == dollar && (filterFirstIsWildcard || filter[0] != dollar) { return false }
        let r = levels(rule)
        let f = levels(filter)
        var i = 0
        while true {
            if i < r.count && r[i] == [hash] { return true }
            if i == r.count && i == f.count { return true }
            if i == f.count { return false }
            if i == r.count { return false }
            if f[i] == [hash] { return false }
            if f[i] == [plus] {
                guard r[i] == [plus] else { return false }
            } else if r[i] != [plus] && r[i] != f[i] {
                return false
            }
            i += 1
        }
    }

    /// Both filters can match a topic as far as the `$` rule goes: a `$` first level matches
    /// only a literal `$` first level (wildcards never match it, §4.7.2).
    private static func dollarCompatible(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard let x = a.first, let y = b.first else { return false }
        return (x == dollar) == (y == dollar)
    }

    private static func levels(_ filter: [UInt8]) -> [ArraySlice<UInt8>] {
        filter.split(separator: slash, omittingEmptySubsequences: false)
    }
}
