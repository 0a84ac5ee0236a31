import NaveLimits
import NaveMQTTBinding

/// The broker's limits above the engine, each with its unit in its name. `Tuning/reference.yaml`
/// lists every key with its default and range; `validate(loopCount:)` checks them at start.
public struct BrokerConfiguration: Sendable, Equatable {
    /// Per-connection and per-session protocol limits.
    public var binding = MQTTBindingLimits()
    /// Router shards, each a full replica of the subscription trie; shard `i` lives on loop
    /// `i`, so 1...loops (more would share a loop and only cost memory). Default: one per
    /// loop, so every publish is matched on its own loop.
    public var routerShardCount: Int?
    /// Cross-loop deliveries a loop's mailbox holds (messages). When full, QoS 0 is dropped and
    /// counted; QoS 1/2 is held by the publisher, which stops reading its socket.
    public var deliveryMailboxCapacity = 16_384
    /// A subscriber's queued outbound bytes above which QoS 0 messages to it are dropped (and
    /// counted) instead of written. Below the engine's `outboundBytesMax`.
    public var subscriberOutboundBytesMax = 1 << 20
    /// The outbound bytes all connections of one loop may have queued before QoS 0 messages to
    /// any of them are dropped (and counted). Caps fan-out memory: without it, 1,000 slow
    /// subscribers × `subscriberOutboundBytesMax` held 1 GiB. QoS 1/2 are not dropped: they
    /// wait in their sessions' bounded queues.
    public var loopOutboundBytesMax = 64 << 20
    /// A subscriber's drop mark while its loop is over `loopOutboundBytesMax`: a connection
    /// that keeps up rarely has more than a few sends' worth (64 KiB) queued.
    static let congestedSubscriberOutboundBytes = 64 << 10
    /// How long a connection may go without a CONNECT (milliseconds).
    public var connectTimeoutMillis = 10_000
    /// How long a subscriber may sit with a full session queue or full send buffer without
    /// reading or acknowledging anything before it is closed (milliseconds).
    public var slowConsumerTimeoutMillis = 30_000
    /// Period of each connection's housekeeping check (slow consumer; keep-alive is checked at
    /// its own deadline too) (milliseconds).
    public var housekeepingIntervalMillis = 1_000
    /// Topics holding a retained message, at most.
    public var retainedMessagesMax = 100_000
    /// Sessions (online and offline persistent) the broker keeps at most; CONNECTs beyond it
    /// are refused with 0x03 (server unavailable).
    public var sessionsMax = 1_000_000
    /// How often a publisher whose deliveries are held retries them (milliseconds).
    public var heldRetryIntervalMillis = 2
    /// Hub operations one device connection may have under way at once (telemetry appends,
    /// twin requests): at the limit its socket is not read until one finishes. QoS 0 telemetry
    /// has no in-flight window, and nothing obliges a client to wait for PUBACK, so without it
    /// a device could pile up unbounded work (operations).
    public var deviceOperationsInFlightMax = 64
    /// How long a QoS 0 publisher is not read after a message of its reached none of the
    /// subscribers it matched, all being at their drop mark (milliseconds; 0 turns it off).
    public var overloadBackOffMillis = 10

    public init() {}

    /// Checks every limit and their relations, given the engine's loop count and outbound cap.
    public func validate(loopCount: Int, engineOutboundBytesMax: Int) throws(ConfigurationInvalid) {
        try binding.validate()
        let rules = ConfigurationRules(of: "broker configuration")
        let shards = routerShardCount ?? loopCount
        try rules.require((1...loopCount).contains(shards), "routerShardCount must be 1...loops (\(loopCount)), is \(shards)")
        try rules.require((16...(1 << 22)).contains(deliveryMailboxCapacity), "deliveryMailboxCapacity must be 16...4194304")
        try rules.require(subscriberOutboundBytesMax >= binding.maximumPacketBytes,
                    "subscriberOutboundBytesMax (\(subscriberOutboundBytesMax)) must be at least maximumPacketBytes (\(binding.maximumPacketBytes))")
        try rules.require(subscriberOutboundBytesMax < engineOutboundBytesMax,
                    "subscriberOutboundBytesMax (\(subscriberOutboundBytesMax)) must be below the engine's outboundBytesMax (\(engineOutboundBytesMax)), so slow subscribers lose QoS 0 messages before their connection is cut")
        try rules.require(loopOutboundBytesMax >= subscriberOutboundBytesMax,
                    "loopOutboundBytesMax (\(loopOutboundBytesMax)) must be at least subscriberOutboundBytesMax (\(subscriberOutboundBytesMax))")
        try rules.require((100...3_600_000).contains(connectTimeoutMillis), "connectTimeoutMillis must be 100...3600000")
        try rules.require((100...3_600_000).contains(slowConsumerTimeoutMillis), "slowConsumerTimeoutMillis must be 100...3600000")
        try rules.require((10...60_000).contains(housekeepingIntervalMillis), "housekeepingIntervalMillis must be 10...60000")
        try rules.require(housekeepingIntervalMillis <= slowConsumerTimeoutMillis, "housekeepingIntervalMillis must not exceed slowConsumerTimeoutMillis")
        try rules.require((0...100_000_000).contains(retainedMessagesMax), "retainedMessagesMax must be 0...100000000")
        try rules.require((1...100_000_000).contains(sessionsMax), "sessionsMax must be 1...100000000")
        try rules.require((1...1_000).contains(heldRetryIntervalMillis), "heldRetryIntervalMillis must be 1...1000")
        try rules.require((1...65_535).contains(deviceOperationsInFlightMax), "deviceOperationsInFlightMax must be 1...65535")
        try rules.require((0...1_000).contains(overloadBackOffMillis), "overloadBackOffMillis must be 0...1000")
    }
}
