/// A PUBLISH packet: one application message travelling client → server or server → client
/// (MQTT 3.1.1 §3.3).
public struct MQTTPublish: Sendable, Hashable {
    /// The topic name: at least one character, no wildcards (§3.3.2.1, §4.7.3).
    public var topic: String
    /// The application message, opaque bytes; may be empty (§3.3.3).
    public var payload: [UInt8]
    /// The delivery guarantee (§3.3.1.2).
    public var qos: MQTTQoS
    /// Whether the server keeps this message for future subscribers (§3.3.1.3).
    public var retain: Bool
    /// Whether this may be a redelivery of an earlier attempt (§3.3.1.1). Always false at QoS 0
    /// [MQTT-3.3.1-2].
    public var dup: Bool
    /// The packet identifier: present if and only if `qos` is above 0 (§2.3.1, §3.3.2.2), and
    /// then non-zero. The encoder traps on a mismatch.
    public var packetID: UInt16?

    /// Creates a PUBLISH.
    public init(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        dup: Bool = false,
        packetID: UInt16? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetID = packetID
    }
}

/// The flags nibble of a PUBLISH fixed header (MQTT 3.1.1 §3.3.1, figure 3.10).
enum MQTTPublishFlags {
    static let retain: UInt8 = 0b0001
    static let qosShift: UInt8 = 1
    static let qosMask: UInt8 = 0b0110
    static let dup: UInt8 = 0b1000
}
