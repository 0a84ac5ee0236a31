import NaveMQTT

/// Topic filters → subscribers, matched against topic names level by level (MQTT 3.1.1 §4.7).
///
/// One node per filter level; a `+` level is a separate child and a trailing `#` is kept on
/// the node of its parent level, which is also where `sport/#` matches `sport` (§4.7.1.2).
/// Matching visits only the branches a topic can reach and allocates nothing: child lookups
/// use `Substring`s of the topic. Topics starting with `$` skip `+` and `#` at the first level
/// (§4.7.2 [MQTT-4.7.2-1]).
///
/// A reference type confined to one thread (each router shard owns its replica).
public final class MQTTTopicTrie<Subscriber: Hashable> {
    final class Node {
        var children: [Substring: Node] = [:]
        var singleLevel: Node?
        /// Subscribers whose filter ends at this node.
        var exact: [Subscriber: MQTTQoS] = [:]
        /// Subscribers whose filter is this node's path followed by `/#` (or `#` at the root).
        var multiLevel: [Subscriber: MQTTQoS] = [:]

        var isEmpty: Bool { children.isEmpty && singleLevel == nil && exact.isEmpty && multiLevel.isEmpty }
    }

    private let root = Node()
    /// The number of (filter, subscriber) pairs held.
    public private(set) var count = 0

    public init() {}

    /// Adds or replaces `subscriber`'s subscription on `filter` (a valid topic filter).
    public func insert(filter: String, subscriber: Subscriber, qos: MQTTQoS) {
        var node = root
        var levels = Self.levels(of: filter)
        while let level = levels.next() {
            if level == "#" {
                if node.multiLevel.updateValue(qos, forKey: subscriber) == nil { count += 1 }
                return
            }
            if level == "+" {
                if node.singleLevel == nil { node.singleLevel = Node() }
                node = node.singleLevel!
            } else if let child = node.children[level] {
                node = child
            } else {
                let child = Node()
                node.children[level] = child
                node = child
            }
        }
        if node.exact.updateValue(qos, forKey: subscriber) == nil { count += 1 }
    }

    /// Removes `subscriber`'s subscription on `filter`; prunes emptied nodes. False if absent.
    @discardableResult
    public func remove(filter: String, subscriber: Subscriber) -> Bool {
        var levels: [Substring] = []
        var iterator = Self.levels(of: filter)
        while let level = iterator.next() { levels.append(level) }
        let removed = remove(levels[...], subscriber: subscriber, from: root)
        if removed { count -= 1 }
        return removed
    }

    private func remove(_ levels: ArraySlice<Substring>, subscriber: Subscriber, from node: Node) -> Bool {
        guard let level = levels.first else { return node.exact.removeValue(forKey: subscriber) != nil }
        if level == "#" { return node.multiLevel.removeValue(forKey: subscriber) != nil }
        let rest = levels.dropFirst()
        if level == "+" {
            guard let child = node.singleLevel else { return false }
            let removed = remove(rest, subscriber: subscriber, from: child)
            if child.isEmpty { node.singleLevel = nil }
            return removed
        }
        guard let child = node.children[level] else { return false }
        let removed = remove(rest, subscriber: subscriber, from: child)
        if child.isEmpty { node.children[level] = nil }
        return removed
    }

    /// Calls `body` for every subscription matching `topic` (a valid topic name). A subscriber
    /// with several matching filters is reported once per filter; the caller merges them.
    public func forEachMatch(topic: String, _ body: (Subscriber, MQTTQoS) -> Void) {
        let isSystem = topic.utf8.first == UInt8(ascii: "$")
        visit(root, topic: topic, from: topic.startIndex, atRoot: true, isSystem: isSystem, body)
    }

    private func visit(_ node: Node, topic: String, from start: String.Index?, atRoot: Bool, isSystem: Bool,
                       _ body: (Subscriber, MQTTQoS) -> Void) {
        let wildcardsAllowed = !(atRoot && isSystem)
        // `#` matches the parent level too, so it applies whether or not levels remain.
        if wildcardsAllowed { for (subscriber, qos) in node.multiLevel { body(subscriber, qos) } }
        guard let start else {
            for (subscriber, qos) in node.exact { body(subscriber, qos) }
            return
        }
        let end = topic.utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? topic.endIndex
        let next = end == topic.endIndex ? nil : topic.utf8.index(after: end)
        if let child = node.children[topic[start..<end]] {
            visit(child, topic: topic, from: next, atRoot: false, isSystem: isSystem, body)
        }
        if wildcardsAllowed, let child = node.singleLevel {
            visit(child, topic: topic, from: next, atRoot: false, isSystem: isSystem, body)
        }
    }

    /// The `/`-separated levels of a filter or name; empty levels included (§4.7.1.1).
    static func levels(of text: String) -> some IteratorProtocol<Substring> {
        var start: String.Index? = text.startIndex
        return AnyIterator<Substring> {
            guard let from = start else { return nil }
            let end = text.utf8[from...].firstIndex(of: UInt8(ascii: "/")) ?? text.endIndex
            start = end == text.endIndex ? nil : text.utf8.index(after: end)
            return text[from..<end]
        }
    }
}
