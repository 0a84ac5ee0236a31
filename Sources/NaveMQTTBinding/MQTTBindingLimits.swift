import NaveLimits
import NaveMQTT

/// The per-connection and per-session limits of the MQTT binding, each with its unit in its name.
/// `Tuning/reference.yaml` lists every key with its default and range; `validate()` checks them
/// against each other at start.
public struct MQTTBindingLimits: Sendable, Equatable {
    /// The largest packet accepted from a client, fixed header included (bytes). Larger packets
    /// close the connection as soon as their fixed header is read.
    public var maximumPacketBytes: Int = MQTTFrameDecoder.defaultMaximumPacketBytes
    /// Outbound QoS 1/2 messages sent and not yet acknowledged, per session (messages). Further
    /// messages wait in the session queue (§4.4 allows the server to limit in-flight messages).
    public var inflightWindowMessages: Int = 32
    /// QoS 1/2 messages waiting behind the in-flight window, per session, online or offline
    /// (messages). Past it, offline sessions drop (counted) and online ones slow the publishers.
    public var sessionQueuedMessagesMax: Int = 1_000
    /// Topic filters one client may hold; further SUBSCRIBE entries get return code 0x80.
    public var subscriptionsPerClientMax: Int = 100
    /// Inbound QoS 2 packet identifiers received and not yet released by PUBREL (messages).
    /// A client that exceeds it is closed: it is not completing the §4.3.3 handshake.
    public var inboundUnreleasedQoS2Max: Int = 1_000
    /// Levels a topic name or filter may have (a CONNECT's will topic included); a client that
    /// sends more is closed, as Mosquitto closes one past its `TOPIC_HIERARCHY_LIMIT` of 200.
    /// Without it a 65,535-byte filter of `/` is 65,536 levels: that much work and trie depth
    /// per packet, under any client's control.
    public var topicLevelsMax: Int = 200

    public init() {}

    /// Checks every limit and their relations; throws with the first violation.
    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules(of: "mqtt limits")
        try rules.require((64...MQTTFrameDecoder.protocolMaximumPacketBytes).contains(maximumPacketBytes),
                    "maximumPacketBytes must be 64...\(MQTTFrameDecoder.protocolMaximumPacketBytes) (is \(maximumPacketBytes))")
        // Packet identifiers are 16 bits and 0 is never used (§2.3.1).
        try rules.require((1...65_535).contains(inflightWindowMessages), "inflightWindowMessages must be 1...65535")
        try rules.require((0...10_000_000).contains(sessionQueuedMessagesMax), "sessionQueuedMessagesMax must be 0...10000000")
        try rules.require((1...1_000_000).contains(subscriptionsPerClientMax), "subscriptionsPerClientMax must be 1...1000000")
        try rules.require((1...65_535).contains(inboundUnreleasedQoS2Max), "inboundUnreleasedQoS2Max must be 1...65535")
        try rules.require((1...65_536).contains(topicLevelsMax), "topicLevelsMax must be 1...65536 (is \(topicLevelsMax))")
    }
}
