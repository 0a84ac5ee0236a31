import NaveCodecTestSupport
import NaveMQTT
import NaveMQTTBinding
import Testing

/// The router's trie must agree with `MQTTTopic.matches` (the codec's reference matcher) on
/// every filter and topic, including `+`, `#`, empty levels and `$` topics (§4.7).
@Suite("Topic trie")
struct TopicTrieTests {
    static let words = ["a", "b", "c", "", "$SYS", "$x", "long-level"]

    static func topic(_ rng: inout SeededGenerator) -> String {
        let n = Int.random(in: 1...4, using: &rng)
        return (0..<n).map { _ in words.randomElement(using: &rng)! }.joined(separator: "/")
    }

    static func filter(_ rng: inout SeededGenerator) -> String {
        let n = Int.random(in: 1...4, using: &rng)
        var levels = (0..<n).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? "+" : words.randomElement(using: &rng)! }
        if Bool.random(using: &rng) { levels.append("#") }
        return levels.joined(separator: "/")
    }

    @Test("matches agree with MQTTTopic.matches on generated filters and topics (all hash bits, or colliding)",
          arguments: [UInt64.max, 1, 0])
    func agreesWithReference(levelHashMask: UInt64) {
        var rng = SeededGenerator(seed: 0x5EED)
        let trie = MQTTTopicTrie<Int>(levelHashMask: levelHashMask)
        var filters: [String] = []
        while filters.count < 200 {
            // A lone empty level ("") is the one invalid filter the generator can make.
            let f = Self.filter(&rng)
            guard MQTTTopic.isValidTopicFilter(f) else { continue }
            trie.insert(filter: f, subscriber: filters.count, qos: .atMostOnce)
            filters.append(f)
        }
        for _ in 0..<1_000 {
            let t = Self.topic(&rng)
            guard MQTTTopic.isValidTopicName(t) else { continue }
            var got = Set<Int>()
            trie.forEachMatch(topic: t) { subscriber, _ in got.insert(subscriber) }
            let expected = Set(filters.indices.filter { MQTTTopic.matches(filter: filters[$0], topicName: t) })
            #expect(got == expected, "topic \(t)")
            // The merged (and cached) form names the same subscribers, each once.
            let merged = trie.matches(topic: t).map(\.subscriber)
            #expect(merged.count == Set(merged).count && Set(merged) == expected, "topic \(t)")
        }
    }

    @Test("spec examples: # matches the parent, + one level, $ topics skip leading wildcards")
    func examples() {
        let trie = MQTTTopicTrie<String>()
        for f in ["sport/#", "sport/+", "+/+", "#", "$SYS/#", "+/monitor/Clients", "/+"] {
            trie.insert(filter: f, subscriber: f, qos: .atLeastOnce)
        }
        func matches(_ topic: String) -> Set<String> {
            var s = Set<String>()
            trie.forEachMatch(topic: topic) { sub, _ in s.insert(sub) }
            return s
        }
        #expect(matches("sport") == ["sport/#", "#"])
        #expect(matches("sport/tennis") == ["sport/#", "sport/+", "+/+", "#"])
        #expect(matches("/finance") == ["+/+", "#", "/+"])
        #expect(matches("$SYS/monitor/Clients") == ["$SYS/#"])
    }

    @Test("remove prunes and reports; replace keeps one entry")
    func removal() {
        let trie = MQTTTopicTrie<Int>()
        trie.insert(filter: "a/+/c", subscriber: 1, qos: .atMostOnce)
        trie.insert(filter: "a/+/c", subscriber: 1, qos: .exactlyOnce)
        trie.insert(filter: "a/#", subscriber: 2, qos: .atMostOnce)
        #expect(trie.count == 2)
        var qos: MQTTQoS?
        trie.forEachMatch(topic: "a/b/c") { s, q in if s == 1 { qos = q } }
        #expect(qos == .exactlyOnce)
        #expect(trie.remove(filter: "a/+/c", subscriber: 1))
        #expect(!trie.remove(filter: "a/+/c", subscriber: 1))
        #expect(!trie.remove(filter: "a/#", subscriber: 3))
        #expect(trie.remove(filter: "a/#", subscriber: 2))
        #expect(trie.count == 0)
        var any = false
        trie.forEachMatch(topic: "a/b/c") { _, _ in any = true }
        #expect(!any)
    }
}

extension TopicTrieTests {
    @Test("matches(topic:) merges per subscriber with the highest QoS; any subscription change drops its cache")
    func cachedMatchesInvalidate() {
        let trie = MQTTTopicTrie<Int>()
        func subscribers(_ topic: String) -> [Int: MQTTQoS] {
            Dictionary(uniqueKeysWithValues: trie.matches(topic: topic).map { ($0.subscriber, $0.qos) })
        }
        trie.insert(filter: "a/b", subscriber: 1, qos: .atMostOnce)
        trie.insert(filter: "a/+", subscriber: 1, qos: .atLeastOnce)
        #expect(subscribers("a/b") == [1: .atLeastOnce])
        #expect(subscribers("a/b") == [1: .atLeastOnce])  // served from the cache
        trie.insert(filter: "#", subscriber: 2, qos: .exactlyOnce)
        #expect(subscribers("a/b") == [1: .atLeastOnce, 2: .exactlyOnce])
        trie.insert(filter: "a/+", subscriber: 1, qos: .atMostOnce)  // replaced, lower
        #expect(subscribers("a/b") == [1: .atMostOnce, 2: .exactlyOnce])
        trie.remove(filter: "#", subscriber: 2)
        #expect(subscribers("a/b") == [1: .atMostOnce])
        #expect(subscribers("a/c") == [1: .atMostOnce])
        trie.remove(filter: "a/b", subscriber: 1)
        trie.remove(filter: "a/+", subscriber: 1)
        #expect(subscribers("a/c").isEmpty)
        #expect(subscribers("a/b").isEmpty)
    }

    @Test("many siblings stay distinct through removals, also when their hashes collide",
          arguments: [UInt64.max, 1, 0])
    func manySiblings(levelHashMask: UInt64) {
        let trie = MQTTTopicTrie<Int>(levelHashMask: levelHashMask)
        for i in 0..<500 { trie.insert(filter: "s/\(i)/x", subscriber: i, qos: .atMostOnce) }
        for i in stride(from: 0, to: 500, by: 2) { #expect(trie.remove(filter: "s/\(i)/x", subscriber: i)) }
        for i in 0..<500 {
            let got = trie.matches(topic: "s/\(i)/x").map(\.subscriber)
            #expect(got == (i % 2 == 0 ? [] : [i]), "level \(i)")
        }
        #expect(trie.count == 250)
    }

    /// The walks are iterative: a 65,535-byte filter of `/` (65,536 levels) used to overflow
    /// the stack in `remove`'s recursion and kill the node (issue #11). The binding refuses
    /// such topics (`topicLevelsMax`), but the trie must not depend on that to stay up.
    @Test("65,536-level filters and topics insert, match and remove without recursion")
    func deepFilters() {
        let trie = MQTTTopicTrie<Int>()
        let slashes = String(repeating: "/", count: 65_535)
        let deep = String(repeating: "a/", count: 32_767) + "a"
        trie.insert(filter: slashes, subscriber: 1, qos: .atMostOnce)
        trie.insert(filter: deep, subscriber: 2, qos: .atLeastOnce)
        trie.insert(filter: String(repeating: "a/", count: 32_767) + "#", subscriber: 3, qos: .atMostOnce)
        trie.insert(filter: String(repeating: "+/", count: 32_767) + "+", subscriber: 4, qos: .atMostOnce)
        #expect(trie.matches(topic: slashes).map(\.subscriber) == [1])
        #expect(Set(trie.matches(topic: deep).map(\.subscriber)) == [2, 3, 4])
        #expect(trie.remove(filter: slashes, subscriber: 1))
        #expect(trie.remove(filter: deep, subscriber: 2))
        #expect(!trie.remove(filter: deep, subscriber: 2), "already gone")
        #expect(trie.remove(filter: String(repeating: "a/", count: 32_767) + "#", subscriber: 3))
        #expect(trie.remove(filter: String(repeating: "+/", count: 32_767) + "+", subscriber: 4))
        #expect(trie.count == 0)
        #expect(trie.matches(topic: deep).isEmpty)
    }

    @Test("removing prunes emptied nodes but keeps siblings and shared prefixes")
    func removePrunes() {
        let trie = MQTTTopicTrie<Int>(levelHashMask: 0)
        trie.insert(filter: "a/b/c", subscriber: 1, qos: .atMostOnce)
        trie.insert(filter: "a/b", subscriber: 2, qos: .atMostOnce)
        trie.insert(filter: "a/+/c", subscriber: 3, qos: .atMostOnce)
        trie.insert(filter: "a/x/#", subscriber: 4, qos: .atMostOnce)
        #expect(trie.remove(filter: "a/b/c", subscriber: 1))
        #expect(trie.matches(topic: "a/b").map(\.subscriber) == [2])
        #expect(trie.matches(topic: "a/b/c").map(\.subscriber) == [3])
        #expect(!trie.remove(filter: "a/x", subscriber: 4), "a/x/# is not a/x")
        #expect(trie.remove(filter: "a/x/#", subscriber: 4))
        #expect(trie.matches(topic: "a/x/y").isEmpty)
        #expect(trie.remove(filter: "a/+/c", subscriber: 3) && trie.remove(filter: "a/b", subscriber: 2))
        #expect(trie.count == 0)
    }
}

/// Evaluates a comparison whose left side calls a mutating method, which `#expect` cannot
/// decompose (it would capture the receiver immutably).
func holds(_ value: Bool) -> Bool { value }
