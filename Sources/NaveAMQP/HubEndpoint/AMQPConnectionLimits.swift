import NaveLimits

/// Limits of one AMQP connection of the hub endpoint, with their units (`amqp.*` in
/// Tuning/reference.yaml). Everything a client controls is bounded here or by Proton with these.
public struct AMQPConnectionLimits: Sendable, Equatable {
    /// The idle timeout announced in `open` (AMQP 1.0 §2.4.5): a peer silent for this long is
    /// closed; clients send empty frames at half of it. 0 announces none.
    public var idleTimeoutMillis = 120_000
    /// Largest frame accepted (`max-frame-size` in `open`).
    public var frameBytesMax = 65_536
    /// Highest channel number (`channel-max`): sessions per connection less one.
    public var channelMax = 15
    /// Links per connection at once; the next attach closes the connection with
    /// `amqp:resource-limit-exceeded`.
    public var linksPerConnectionMax = 64
    /// Largest message a client may send (C2D, CBS, management), whatever its frames.
    public var messageBytesMax = 1 << 20
    /// Credit kept granted to a client's sender (C2D sends, CBS and management requests).
    public var receiveCredit = 100
    /// Longest from accept until the AMQP `open` has arrived (SASL and headers included).
    public var openTimeoutMillis = 10_000
    /// Events read from the log per step of a partition receiver (bounds one step's loop time).
    public var eventBatchMax = 256
    /// Queued outbound bytes above which partition receivers stop sending until the socket
    /// drains; a slow consumer holds its own memory only to this point.
    public var outboundBytesHighWater = 1 << 20

    public init() {}

    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        try rules.require(idleTimeoutMillis == 0 || (1_000...3_600_000).contains(idleTimeoutMillis),
                          "amqp.idleTimeoutMillis must be 0 or 1000...3600000")
        try rules.require((512...(1 << 20)).contains(frameBytesMax), "amqp.frameBytesMax must be 512...1 MiB (AMQP 1.0 §2.7.1: at least 512)")
        try rules.require((0...1_023).contains(channelMax), "amqp.channelMax must be 0...1023")
        try rules.require((4...4_096).contains(linksPerConnectionMax), "amqp.linksPerConnectionMax must be 4...4096")
        try rules.require((1_024...(16 << 20)).contains(messageBytesMax), "amqp.messageBytesMax must be 1 KiB...16 MiB")
        try rules.require((1...10_000).contains(receiveCredit), "amqp.receiveCredit must be 1...10000")
        try rules.require((100...600_000).contains(openTimeoutMillis), "amqp.openTimeoutMillis must be 100...600000")
        try rules.require((1...10_000).contains(eventBatchMax), "amqp.eventBatchMax must be 1...10000")
        try rules.require((64 << 10...(256 << 20)).contains(outboundBytesHighWater), "amqp.outboundBytesHighWater must be 64 KiB...256 MiB")
    }
}
