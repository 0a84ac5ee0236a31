/// A SUBSCRIBE packet: the client asks for the messages of one or more topic filters
/// (MQTT 3.1.1 §3.8).
public struct MQTTSubscribe: Sendable, Hashable {
    /// The packet identifier the SUBACK echoes; non-zero (§2.3.1).
    public var packetID: UInt16
    /// The requested subscriptions, in order; at least one [MQTT-3.8.3-3].
    public var subscriptions: [MQTTSubscription]

    /// Creates a SUBSCRIBE.
    public init(packetID: UInt16, subscriptions: [MQTTSubscription]) {
        self.packetID = packetID
        self.subscriptions = subscriptions
    }
}

/// One topic filter of a SUBSCRIBE with the maximum QoS the client wants for it (§3.8.3).
public struct MQTTSubscription: Sendable, Hashable {
    /// The topic filter; may contain the wildcards `+` and `#` (§4.7.1).
    public var filter: String
    /// The maximum QoS the server may deliver matching messages with (§3.8.3.1).
    public var qos: MQTTQoS

    /// Creates a subscription request.
    public init(filter: String, qos: MQTTQoS) {
        self.filter = filter
        self.qos = qos
    }
}

/// The server's answer to SUBSCRIBE: one return code per requested filter, in order (§3.9).
public struct MQTTSubAck: Sendable, Hashable {
    /// The packet identifier of the SUBSCRIBE being answered.
    public var packetID: UInt16
    /// One code per subscription of the SUBSCRIBE [MQTT-3.9.3-1]; at least one.
    public var returnCodes: [MQTTSubAckReturnCode]

    /// Creates a SUBACK.
    public init(packetID: UInt16, returnCodes: [MQTTSubAckReturnCode]) {
        self.packetID = packetID
        self.returnCodes = returnCodes
    }
}

/// A SUBACK return code (MQTT 3.1.1 §3.9.3): the QoS granted, or a refusal. Other byte values
/// are reserved and never decode [MQTT-3.9.3-2].
public enum MQTTSubAckReturnCode: UInt8, Sendable, Hashable, CaseIterable {
    /// Subscribed with maximum QoS 0.
    case grantedQoS0 = 0x00
    /// Subscribed with maximum QoS 1.
    case grantedQoS1 = 0x01
    /// Subscribed with maximum QoS 2.
    case grantedQoS2 = 0x02
    /// The subscription was refused.
    case failure = 0x80

    /// The code that grants `qos`.
    public init(granted qos: MQTTQoS) {
        switch qos {
        case .atMostOnce: self = .grantedQoS0
        case .atLeastOnce: self = .grantedQoS1
        case .exactlyOnce: self = .grantedQoS2
        }
    }

    /// The granted QoS, or nil for `failure`.
    public var grantedQoS: MQTTQoS? {
        MQTTQoS(rawValue: rawValue)
    }
}

/// An UNSUBSCRIBE packet: the client drops one or more topic filters (MQTT 3.1.1 §3.10).
public struct MQTTUnsubscribe: Sendable, Hashable {
    /// The packet identifier the UNSUBACK echoes; non-zero (§2.3.1).
    public var packetID: UInt16
    /// The topic filters to remove, exactly as subscribed; at least one [MQTT-3.10.3-2].
    public var filters: [String]

    /// Creates an UNSUBSCRIBE.
    public init(packetID: UInt16, filters: [String]) {
        self.packetID = packetID
        self.filters = filters
    }
}
