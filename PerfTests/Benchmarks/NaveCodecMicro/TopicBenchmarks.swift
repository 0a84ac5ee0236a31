import Benchmark
import NaveMQTT
import NaveMQTTBinding

/// A subscriber as the router shard holds one: a class compared by identity (`BrokerSession`).
final class Subscriber: Hashable {
    static func == (lhs: Subscriber, rhs: Subscriber) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// `MQTTTopicTrie.matches(topic:)`, once per publish on the router shard. Its scratch
/// collections keep their capacity, so after the first iteration a match should allocate
/// nothing, whatever the number of subscribers.
func registerTopicTrieBenchmarks() {
    let deviceCount = 1_000
    let devices = (0..<deviceCount).map { "dev-\($0)" }
    // Topics are made from bytes, as the decoder makes them, so a topic never shares storage
    // with the filter or the trie's cached topic and every comparison reads the bytes.
    func topic(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }

    // 1,000 exact filters with one subscriber each; every operation a different topic.
    let exact = MQTTTopicTrie<Subscriber>()
    for device in devices { exact.insert(filter: "telemetry/\(device)/temperature", subscriber: Subscriber(), qos: .atLeastOnce) }
    let exactTopics = devices.map { topic("telemetry/\($0)/temperature") }
    Benchmark("TopicTrie.exact.1-subscriber", configuration: perThousandOperations) { benchmark in
        for index in benchmark.scaledIterations { blackHole(exact.matches(topic: exactTopics[index % deviceCount])) }
    }

    // Two topics with 100 subscribers each, alternating so the one-topic cache never answers.
    let crowded = MQTTTopicTrie<Subscriber>()
    for _ in 0..<100 {
        crowded.insert(filter: "alerts/building-1/fire", subscriber: Subscriber(), qos: .atLeastOnce)
        crowded.insert(filter: "alerts/building-2/fire", subscriber: Subscriber(), qos: .atMostOnce)
    }
    let crowdedTopics = [topic("alerts/building-1/fire"), topic("alerts/building-2/fire")]
    Benchmark("TopicTrie.exact.100-subscribers", configuration: perThousandOperations) { benchmark in
        for index in benchmark.scaledIterations { blackHole(crowded.matches(topic: crowdedTopics[index & 1])) }
    }

    // Wildcards: a hub consumer on every device's telemetry, one device's own `#`, a `+` at
    // every level and a catch-all; each topic matches three or four filters.
    let wildcards = MQTTTopicTrie<Subscriber>()
    for (filter, subscriber) in [("devices/+/messages/events/#", Subscriber()), ("devices/dev-7/#", Subscriber()),
                                 ("+/+/+/+/+", Subscriber()), ("#", Subscriber()), ("$SYS/#", Subscriber())] {
        wildcards.insert(filter: filter, subscriber: subscriber, qos: .atMostOnce)
    }
    let telemetryTopics = devices.map { topic("devices/\($0)/messages/events/") }
    Benchmark("TopicTrie.wildcards", configuration: perThousandOperations) { benchmark in
        for index in benchmark.scaledIterations { blackHole(wildcards.matches(topic: telemetryTopics[index % deviceCount])) }
    }

    // Fan-in: every device publishes to one topic; the trie's cache answers with one comparison.
    let fanInTopics = (0..<deviceCount).map { _ in topic("factory/line-1/telemetry") }
    let fanIn = MQTTTopicTrie<Subscriber>()
    fanIn.insert(filter: "factory/line-1/telemetry", subscriber: Subscriber(), qos: .atLeastOnce)
    Benchmark("TopicTrie.fan-in-same-topic", configuration: perThousandOperations) { benchmark in
        for index in benchmark.scaledIterations { blackHole(fanIn.matches(topic: fanInTopics[index % deviceCount])) }
    }

    // Misses: topics next to the 1,000 exact filters that match none of them.
    let missTopics = devices.map { topic("telemetry/\($0)/humidity") }
    Benchmark("TopicTrie.miss", configuration: perThousandOperations) { benchmark in
        for index in benchmark.scaledIterations { blackHole(exact.matches(topic: missTopics[index % deviceCount])) }
    }
}

/// `IoTHubTopic(publishedTopic:)` for every D2C message: device id and property bag come back as
/// substrings of the topic, so parsing should allocate nothing.
func registerIoTHubTopicBenchmarks() {
    let topics = (0..<100).map { index in
        String(decoding: Array("devices/dev-\(index)/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&alarm=high".utf8),
               as: UTF8.self)
    }
    Benchmark("IoTHubTopic.telemetry-with-property-bag", configuration: perThousandOperations) { benchmark in
        for index in benchmark.scaledIterations {
            guard case .telemetry(let device, _, let bag)? = IoTHubTopic(publishedTopic: topics[index % 100]) else {
                fatalError("not a telemetry topic")
            }
            blackHole(device)
            blackHole(bag)
        }
    }
}
