/// The CONNECT packet a client sends first on every network connection (MQTT 3.1.1 §3.1).
///
/// Protocol name "MQTT" at level 4 (MQTT 3.1.1) and "MQIsdp" at level 3 (MQTT 3.1, which
/// Mosquitto 2.0 and many older devices still speak) decode; any other level is reported as
/// `MQTTDecodeError.unacceptableProtocolLevel` so the server can still answer CONNACK 0x01
/// (§3.1.2.2). A zero-length `clientID` decodes: whether to accept it (it needs
/// `cleanSession`) is the server's decision and answer, CONNACK 0x02 (§3.1.3.1).
public struct MQTTConnect: Sendable, Hashable {
    /// The protocol level byte (§3.1.2.2): 4 for MQTT 3.1.1, 3 for MQTT 3.1.
    public var protocolLevel: UInt8
    /// The client identifier (§3.1.3.1); may be empty.
    public var clientID: String
    /// Discard any previous session and start a new one that ends with the connection (§3.1.2.4).
    public var cleanSession: Bool
    /// The longest silence, in seconds, the client promises between its packets; 0 turns the
    /// keep-alive mechanism off (§3.1.2.10).
    public var keepAliveSeconds: UInt16
    /// The message the server publishes if the connection ends without DISCONNECT (§3.1.2.5).
    public var will: MQTTWill?
    /// The user name (§3.1.3.4).
    public var username: String?
    /// The password: binary data, not a string (§3.1.3.5). Requires `username` (§3.1.2.9).
    public var password: [UInt8]?

    /// Creates a CONNECT; `protocolLevel` defaults to 4, the level of MQTT 3.1.1.
    public init(
        protocolLevel: UInt8 = 4,
        clientID: String,
        cleanSession: Bool = true,
        keepAliveSeconds: UInt16 = 60,
        will: MQTTWill? = nil,
        username: String? = nil,
        password: [UInt8]? = nil
    ) {
        self.protocolLevel = protocolLevel
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAliveSeconds = keepAliveSeconds
        self.will = will
        self.username = username
        self.password = password
    }

    /// The protocol level of MQTT 3.1 ("MQIsdp").
    public static let legacyProtocolLevel: UInt8 = 3

    /// Whether this is an MQTT 3.1 client: no session-present flag in its CONNACK, and a
    /// zero-byte client id is always refused (MQTT 3.1 §3.1: 1 to 23 characters).
    public var isLegacy: Bool { protocolLevel == Self.legacyProtocolLevel }
}

/// A CONNECT's will message: published by the server for the client when the network
/// connection closes without a DISCONNECT (MQTT 3.1.1 §3.1.2.5, §3.1.3.2–§3.1.3.3).
public struct MQTTWill: Sendable, Hashable {
    /// The topic name the will is published to; a valid topic name (no wildcards, §4.7).
    public var topic: String
    /// The application message, opaque bytes (§3.1.3.3).
    public var payload: [UInt8]
    /// The QoS the will is published with (§3.1.2.6).
    public var qos: MQTTQoS
    /// Whether the will is published as a retained message (§3.1.2.7).
    public var retain: Bool

    /// Creates a will message.
    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

/// The flag bits of the CONNECT variable header (MQTT 3.1.1 §3.1.2.3, figure 3.4).
enum MQTTConnectFlags {
    static let reserved: UInt8 = 0b0000_0001
    static let cleanSession: UInt8 = 0b0000_0010
    static let will: UInt8 = 0b0000_0100
    static let willQoSShift: UInt8 = 3
    static let willQoSMask: UInt8 = 0b0001_1000
    static let willRetain: UInt8 = 0b0010_0000
    static let password: UInt8 = 0b0100_0000
    static let username: UInt8 = 0b1000_0000
}
