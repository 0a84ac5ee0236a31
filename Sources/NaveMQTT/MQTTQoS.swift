/// The delivery guarantee of an application message (MQTT 3.1.1 §4.3).
///
/// The raw value is the two-bit field as it appears on the wire: in a PUBLISH fixed header
/// (§3.3.1.2), in the CONNECT will flags (§3.1.2.6), in a SUBSCRIBE requested QoS byte
/// (§3.8.3.1) and in a SUBACK return code (§3.9.3). The value 3 is reserved everywhere and is
/// therefore not representable.
public enum MQTTQoS: UInt8, Sendable, Hashable, Comparable, CaseIterable {
    /// At most once: fire and forget, no acknowledgement (§4.3.1).
    case atMostOnce = 0
    /// At least once: acknowledged by PUBACK; may be redelivered (§4.3.2).
    case atLeastOnce = 1
    /// Exactly once: the PUBREC/PUBREL/PUBCOMP handshake (§4.3.3).
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
