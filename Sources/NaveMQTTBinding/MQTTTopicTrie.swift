import NaveMQTT

/// Topic filters → subscribers, matched against topic names level by level (MQTT 3.1.1 §4.7).
///
/// One node per filter level; a `+` level is a separate child and a trailing `#` is kept on
/// the node of its parent level, which is also where `sport/#` matches `sport` (§4.7.1.2).
/// Topics starting with `$` skip `+` and `#` at the first level (§4.7.2 [MQTT-4.7.2-1]).
///
/// Matching runs once per publish, so it works on the topic's UTF-8 bytes: levels are found by
/// scanning for `/`, children are looked up by an FNV-1a hash of the level's bytes and
/// confirmed by comparing bytes. No `String`, `Substring` or array is made per level. The
/// type is `@inlinable` so a caller's module specialises it for its subscriber type (an
/// unspecialised generic pays a metadata lookup and witness calls per dictionary operation).
///
/// `matches(topic:)` also keeps the last topic's merged result until the next subscription
/// change: fan-in traffic repeats one topic, and then a publish costs one string comparison.
///
/// A reference type confined to one thread (each router shard owns its replica).
public final class MQTTTopicTrie<Subscriber: Hashable> {
    /// One subscriber's match, with the highest QoS among its matching filters.
    public typealias Match = (subscriber: Subscriber, qos: MQTTQoS)

    @usableFromInline
    final class Node {
        /// This node's level, as bytes (empty for the root and `+` nodes).
        @usableFromInline let level: [UInt8]
        /// Children by `levelHash` of their level; colliding levels chain through `nextInBucket`.
        @usableFromInline var children: [UInt64: Node] = [:]
        @usableFromInline var nextInBucket: Node?
        @usableFromInline var singleLevel: Node?
        /// Subscribers whose filter ends at this node.
        @usableFromInline var exact: [Subscriber: MQTTQoS] = [:]
        /// Subscribers whose filter is this node's path followed by `/#` (or `#` at the root).
        @usableFromInline var multiLevel: [Subscriber: MQTTQoS] = [:]

        @usableFromInline init(level: [UInt8]) { self.level = level }

        @usableFromInline var isEmpty: Bool {
            children.isEmpty && singleLevel == nil && exact.isEmpty && multiLevel.isEmpty
        }

        /// The child for `level`, following the hash bucket's chain.
        @inlinable func child(_ level: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Node? {
            var candidate = children[hash]
            while let node = candidate {
                if node.level.withUnsafeBufferPointer({ $0.elementsEqual(level) }) { return node }
                candidate = node.nextInBucket
            }
            return nil
        }
    }

    @usableFromInline let root = Node(level: [])
    /// The number of (filter, subscriber) pairs held.
    public private(set) var count = 0
    /// The topic `cachedMatches` was computed for; nil after any subscription change.
    @usableFromInline var cachedTopic: String?
    @usableFromInline var cachedMatches: [Match] = []
    /// Scratch for merging one topic's matches per subscriber; kept to reuse its capacity.
    @usableFromInline var matchIndex: [Subscriber: Int] = [:]
    /// Scratch for `forEachMatch`'s walk; kept to reuse its capacity.
    @usableFromInline var visitStack: [Visit] = []

    /// Bits of `levelHash` that key children: all of them, except in tests, which pass 0 or 1
    /// to put sibling levels in one or two buckets and so exercise the collision chains.
    @usableFromInline let levelHashMask: UInt64

    public init() { levelHashMask = .max }

    /// A trie whose child lookups keep only `levelHashMask` of each level's hash: for tests of
    /// hash collisions (matching stays correct at any mask, only slower).
    public init(levelHashMask: UInt64) { self.levelHashMask = levelHashMask }

    /// Adds or replaces `subscriber`'s subscription on `filter` (a valid topic filter).
    public func insert(filter: String, subscriber: Subscriber, qos: MQTTQoS) {
        cachedTopic = nil
        var node = root
        for level in Self.levels(of: filter) {
            if level == [UInt8(ascii: "#")] {
                if node.multiLevel.updateValue(qos, forKey: subscriber) == nil { count += 1 }
                return
            }
            if level == [UInt8(ascii: "+")] {
                if node.singleLevel == nil { node.singleLevel = Node(level: []) }
                node = node.singleLevel!
                continue
            }
            let hash = level.withUnsafeBufferPointer { Self.levelHash($0) } & levelHashMask
            if let child = level.withUnsafeBufferPointer({ node.child($0, hash: hash) }) {
                node = child
            } else {
                let child = Node(level: level)
                child.nextInBucket = node.children[hash]
                node.children[hash] = child
                node = child
            }
        }
        if node.exact.updateValue(qos, forKey: subscriber) == nil { count += 1 }
    }

    /// Removes `subscriber`'s subscription on `filter`; prunes emptied nodes. False if absent.
    ///
    /// Iterative: a client controls how deep a filter goes, and a recursion per level ran a
    /// 65,535-level filter off the thread's stack. The binding caps levels (`topicLevelsMax`),
    /// but no walk here depends on that cap to stay safe.
    @discardableResult
    public func remove(filter: String, subscriber: Subscriber) -> Bool {
        cachedTopic = nil
        // The nodes walked through, each with the key its child hangs under (nil: `+`).
        var path: [(node: Node, hash: UInt64?)] = []
        var node = root
        var removedMultiLevel: Bool?
        for level in Self.levels(of: filter) {
            if level == [UInt8(ascii: "#")] {
                removedMultiLevel = node.multiLevel.removeValue(forKey: subscriber) != nil
                break
            }
            let next: Node?
            let hash: UInt64?
            if level == [UInt8(ascii: "+")] {
                hash = nil
                next = node.singleLevel
            } else {
                let levelHash = level.withUnsafeBufferPointer { Self.levelHash($0) } & levelHashMask
                hash = levelHash
                next = level.withUnsafeBufferPointer { node.child($0, hash: levelHash) }
            }
            guard let next else { return false }
            path.append((node, hash))
            node = next
        }
        guard removedMultiLevel ?? (node.exact.removeValue(forKey: subscriber) != nil) else { return false }
        count -= 1
        // Prune from the deepest node up, while each is left empty.
        var child = node
        while let (parent, hash) = path.popLast(), child.isEmpty {
            if let hash { unlink(child, hash: hash, from: parent) } else { parent.singleLevel = nil }
            child = parent
        }
        return true
    }

    /// Takes `child` out of its hash bucket's chain in `node.children`.
    private func unlink(_ child: Node, hash: UInt64, from node: Node) {
        if node.children[hash] === child {
            node.children[hash] = child.nextInBucket
            return
        }
        var previous = node.children[hash]
        while let current = previous, let next = current.nextInBucket {
            if next === child {
                current.nextInBucket = child.nextInBucket
                return
            }
            previous = next
        }
    }

    /// Every subscriber matching `topic` (a valid topic name) once, with the highest QoS among
    /// its matching filters (§3.3.5). The array is the trie's cache: the same topic again,
    /// with no subscription change in between, returns it without walking the trie.
    @inlinable
    public func matches(topic: String) -> [Match] {
        if let cachedTopic, cachedTopic == topic { return cachedMatches }
        cachedMatches.removeAll(keepingCapacity: true)
        matchIndex.removeAll(keepingCapacity: true)
        forEachMatch(topic: topic) { subscriber, qos in
            if let index = matchIndex[subscriber] {
                if qos > cachedMatches[index].qos { cachedMatches[index].qos = qos }
            } else {
                matchIndex[subscriber] = cachedMatches.count
                cachedMatches.append((subscriber, qos))
            }
        }
        cachedTopic = topic
        return cachedMatches
    }

    /// Calls `body` for every subscription matching `topic` (a valid topic name). A subscriber
    /// with several matching filters is reported once per filter; `matches(topic:)` merges them.
    ///
    /// Iterative, with an explicit stack kept between calls (no allocation once it has grown):
    /// the depth follows the topic, which a client controls.
    @inlinable
    public func forEachMatch(topic: String, _ body: (Subscriber, MQTTQoS) -> Void) {
        var topic = topic
        // A native string's bytes in place (small strings are copied to the stack): no allocation.
        topic.withUTF8 { bytes in
            let isSystem = bytes.first == UInt8(ascii: "$")
            visitStack.removeAll(keepingCapacity: true)
            visitStack.append(Visit(node: root, start: 0))
            while let next = visitStack.popLast() {
                visit(next, bytes, isSystem: isSystem, body)
            }
        }
    }

    /// A node still to visit, with the topic's levels from byte `start` on; `start == -1` means
    /// none remain (a topic ending in `/` still has one more, empty, level: §4.7.1.1).
    @usableFromInline
    struct Visit {
        @usableFromInline let node: Node
        @usableFromInline let start: Int
        @inlinable init(node: Node, start: Int) {
            self.node = node
            self.start = start
        }
    }

    /// Reports `visit.node`'s matches and pushes the children the topic's next level reaches:
    /// the `+` child first, so the exact child (pushed last) is walked first, as a recursion would.
    @inlinable
    func visit(_ visit: Visit, _ topic: UnsafeBufferPointer<UInt8>, isSystem: Bool, _ body: (Subscriber, MQTTQoS) -> Void) {
        let node = visit.node
        let wildcardsAllowed = !(node === root && isSystem)
        // `#` matches the parent level too, so it applies whether or not levels remain.
        if wildcardsAllowed { for (subscriber, qos) in node.multiLevel { body(subscriber, qos) } }
        let start = visit.start
        guard start >= 0 else {
            for (subscriber, qos) in node.exact { body(subscriber, qos) }
            return
        }
        var end = start
        while end < topic.count, topic[end] != UInt8(ascii: "/") { end += 1 }
        let next = end == topic.count ? -1 : end + 1
        if wildcardsAllowed, let child = node.singleLevel {
            visitStack.append(Visit(node: child, start: next))
        }
        if !node.children.isEmpty {
            let level = UnsafeBufferPointer(rebasing: topic[start..<end])
            if let child = node.child(level, hash: Self.levelHash(level) & levelHashMask) {
                visitStack.append(Visit(node: child, start: next))
            }
        }
    }

    /// FNV-1a (64-bit) of a level's bytes: cheap, and collisions are resolved by comparing bytes.
    @inlinable
    static func levelHash(_ level: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in level { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// The `/`-separated levels of a filter, as bytes; empty levels included (§4.7.1.1).
    static func levels(of text: String) -> [[UInt8]] {
        text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
    }
}
