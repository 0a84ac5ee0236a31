import NaveMQTT

/// The retained message of each topic (MQTT 3.1.1 §3.3.1.3): the last PUBLISH with RETAIN set,
/// sent to every new subscription whose filter matches it.
///
/// Pure and single-threaded; the broker guards one with a lock (retained publishes and new
/// subscriptions are rare next to ordinary publishes). Bounded by `retainedMessagesMax`:
/// past it, retaining a message on a new topic is refused (the publish is still routed).
public struct MQTTRetainedStore: Sendable {
    private var messages: [String: MQTTPublish] = [:]
    /// The most topics with a retained message.
    public let retainedMessagesMax: Int

    /// What a RETAIN publish did to the store.
    public enum Outcome: Sendable, Equatable {
        case stored, replaced, cleared, refusedFull, nothingToClear
    }

    public init(retainedMessagesMax: Int) {
        self.retainedMessagesMax = retainedMessagesMax
    }

    /// The number of topics holding a retained message.
    public var count: Int { messages.count }

    /// Applies a PUBLISH with RETAIN set. A zero-byte payload removes the topic's retained
    /// message (§3.3.1-10/11); otherwise the message replaces it (§3.3.1-5). The stored copy
    /// keeps its QoS; DUP and the packet identifier are cleared.
    public mutating func retain(_ publish: MQTTPublish) -> Outcome {
        if publish.payload.isEmpty {
            return messages.removeValue(forKey: publish.topic) == nil ? .nothingToClear : .cleared
        }
        var stored = publish
        stored.dup = false
        stored.packetID = nil
        stored.retain = true
        if messages[publish.topic] != nil {
            messages[publish.topic] = stored
            return .replaced
        }
        guard messages.count < retainedMessagesMax else { return .refusedFull }
        messages[publish.topic] = stored
        return .stored
    }

    /// The retained messages whose topic matches `filter`, in no particular order.
    public func matching(filter: String) -> [MQTTPublish] {
        // A filter without wildcards names at most one topic.
        if !filter.utf8.contains(UInt8(ascii: "+")) && !filter.utf8.contains(UInt8(ascii: "#")) {
            return messages[filter].map { [$0] } ?? []
        }
        return messages.values.filter { MQTTTopic.matches(filter: filter, topicName: $0.topic) }
    }
}
