/// A Mosquitto ACL file (`acl_file`), parsed: rules for anonymous clients (those before any
/// `user` line), rules per username, and `pattern` rules for everyone with `%c` (client id)
/// and `%u` (username) substituted per client. Checks go through `access(clientID:username:)`.
///
/// Semantics are Mosquitto 2.0's `src/security_default.c` (`add__acl`, `add__acl_pattern`,
/// `acl__find_acls`, `mosquitto_acl_check_default`):
/// - a client with a username gets that user's rules, never the anonymous ones; a client
///   without one gets the anonymous rules; a username with no `user` block gets none;
/// - then everyone gets the patterns, except that a pattern with `%u` is skipped for a client
///   without a username;
/// - within each group a matching `deny` wins; otherwise the first matching rule that grants
///   the access allows it; the client's own rules are tried before the patterns;
/// - nothing matched: denied (an ACL file, even an empty one, denies by default).
public struct AccessControlList: Sendable {
    public enum Access: String, Sendable {
        case read, write, readwrite, deny

        var grantsRead: Bool { self == .read || self == .readwrite }
        var grantsWrite: Bool { self == .write || self == .readwrite }
    }

    public struct Rule: Sendable, Equatable {
        public var access: Access
        public var topic: String

        public init(_ access: Access, _ topic: String) {
            self.access = access
            self.topic = topic
        }
    }

    /// Rules before the first `user` line.
    public var anonymousRules: [Rule] = []
    /// Rules after `user <name>`, per name.
    public var userRules: [String: [Rule]] = [:]
    /// `pattern` lines, wherever they appear.
    public var patterns: [Rule] = []

    public init() {}

    /// The rules that apply to one client, substituted and ready to check.
    public func access(clientID: String, username: String?) -> ClientAccess {
        let own = username.map { userRules[$0] ?? [] } ?? anonymousRules
        // Mosquitto refuses everything to a client whose username or client id holds a
        // wildcard once patterns are in use: substituted into a pattern it would widen it.
        let dangerous = !patterns.isEmpty
            && (clientID.utf8.contains { $0 == MosquittoTopic.plus || $0 == MosquittoTopic.hash }
                || (username?.utf8.contains { $0 == MosquittoTopic.plus || $0 == MosquittoTopic.hash } ?? false))
        var substituted: [ClientAccess.Check] = []
        if !dangerous {
            for pattern in patterns {
                guard let topic = Self.substitute(pattern.topic, clientID: clientID, username: username) else { continue }
                substituted.append(ClientAccess.Check(pattern.access, topic))
            }
        }
        return ClientAccess(own: own.map { ClientAccess.Check($0.access, Array($0.topic.utf8)) },
                            patterns: substituted, patternsRefused: dangerous)
    }

    /// `%c` → client id, `%u` → username, scanning left to right as Mosquitto does; nil when
    /// the pattern names `%u` and there is no username (the pattern is then skipped).
    static func substitute(_ pattern: String, clientID: String, username: String?) -> [UInt8]? {
        let percent = UInt8(ascii: "%")
        let bytes = Array(pattern.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + clientID.utf8.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == percent, index + 1 < bytes.count {
                if bytes[index + 1] == UInt8(ascii: "c") {
                    out += clientID.utf8
                    index += 2
                    continue
                }
                if bytes[index + 1] == UInt8(ascii: "u") {
                    guard let username else { return nil }
                    out += username.utf8
                    index += 2
                    continue
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }
}

/// One client's rules (its own, then the substituted patterns), resolved once per connection
/// and reused for every check: a check walks byte arrays and allocates nothing.
public final class ClientAccess: Sendable {
    struct Check: Sendable {
        let topic: [UInt8]
        let deny: Bool
        let read: Bool
        let write: Bool

        init(_ access: AccessControlList.Access, _ topic: [UInt8]) {
            self.topic = topic
            deny = access == .deny
            read = access.grantsRead
            write = access.grantsWrite
        }
    }

    /// Deny rules first within each group (`add__acl` puts them at the front).
    let own: [Check]
    let patterns: [Check]
    /// The patterns exist but refuse this client (a wildcard in its username or client id).
    let patternsRefused: Bool

    init(own: [Check], patterns: [Check], patternsRefused: Bool) {
        self.own = own.filter(\.deny) + own.filter { !$0.deny }
        self.patterns = patterns.filter(\.deny) + patterns.filter { !$0.deny }
        self.patternsRefused = patternsRefused
    }

    /// May this client PUBLISH to `topic` (write access)?
    public func mayPublish(_ topic: String) -> Bool {
        guard Self.dollarAllows(topic, write: true) else { return false }
        return allows(topic, write: true)
    }

    /// May a message on `topic` be delivered to this client (read access)?
    public func mayRead(_ topic: String) -> Bool {
        guard Self.dollarAllows(topic, write: false) else { return false }
        return allows(topic, write: false)
    }

    private func allows(_ topic: String, write: Bool) -> Bool {
        var topic = topic
        return topic.withUTF8 { topic in
            if let decided = Self.first(own, topic, write: write) { return decided }
            if patternsRefused { return false }
            return Self.first(patterns, topic, write: write) ?? false
        }
    }

    /// The first decision `rules` make for `topic`: a matching deny refuses, a matching rule
    /// with the access allows, other matches fall through (nil: none decided).
    private static func first(_ rules: [Check], _ topic: UnsafeBufferPointer<UInt8>, write: Bool) -> Bool? {
        for rule in rules {
            let matched = rule.topic.withUnsafeBufferPointer { MosquittoTopic.matches(filter: $0, topic: topic) }
            guard matched else { continue }
            if rule.deny { return false }
            if write ? rule.write : rule.read { return true }
        }
        return nil
    }

    /// Mosquitto's `acl__check_dollar` (`src/security.c`), applied before any ACL: nobody
    /// publishes under `$SYS` (only bridges' own state topics), and `$share` topics are for
    /// SUBSCRIBE only, never a message's topic.
    private static func dollarAllows(_ topic: String, write: Bool) -> Bool {
        guard topic.utf8.first == MosquittoTopic.dollar else { return true }
        if topic.utf8.starts(with: "$SYS".utf8) {
            return !write || matches("$SYS/broker/connection/+/state", topic)
        }
        return !topic.utf8.starts(with: "$share".utf8)
    }

    private static func matches(_ filter: String, _ topic: String) -> Bool {
        MosquittoTopic.matches(filter: Array(filter.utf8), topic: topic)
    }

    /// May this client SUBSCRIBE to `filter`? Mosquitto 2.0's default ACL answers yes to
    /// every SUBSCRIBE and filters each delivery (`security_default.c`: "FIXME - implement ACL
    /// subscription strings"), so a refused filter only ever delivers nothing. Here a filter is
    /// refused (SUBACK 0x80) exactly when it provably could deliver nothing: no rule that grants
    /// read overlaps it before a deny that covers all of it. Anything else is granted and each
    /// delivery is checked with `mayRead`, which is Mosquitto's rule.
    public func maySubscribe(_ filter: String) -> Bool {
        let filter = Array(filter.utf8)
        if let decided = Self.firstForFilter(own, filter) { return decided }
        if patternsRefused { return false }
        return Self.firstForFilter(patterns, filter) ?? false
    }

    private static func firstForFilter(_ rules: [Check], _ filter: [UInt8]) -> Bool? {
        for rule in rules where MosquittoTopic.overlaps(rule.topic, filter) {
            if rule.deny {
                if MosquittoTopic.covers(rule.topic, filter) { return false }
                continue
            }
            if rule.read { return true }
        }
        return nil
    }
}
