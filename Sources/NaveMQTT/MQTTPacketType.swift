/// The control packet type in the high nibble of the first fixed-header byte (MQTT 3.1.1 §2.2.1).
///
/// Values 0 and 15 are reserved and never decode (`MQTTDecodeError.reservedPacketType`).
public enum MQTTPacketType: UInt8, Sendable, Hashable, CaseIterable {
    case connect = 1
    case connack = 2
    case publish = 3
    case puback = 4
    case pubrec = 5
    case pubrel = 6
    case pubcomp = 7
    case subscribe = 8
    case suback = 9
    case unsubscribe = 10
    case unsuback = 11
    case pingreq = 12
    case pingresp = 13
    case disconnect = 14

    /// The flags nibble every packet type except PUBLISH must carry (§2.2.2, table 2.2).
    ///
    /// PUBREL, SUBSCRIBE and UNSUBSCRIBE carry 0b0010 [MQTT-3.6.1-1, MQTT-3.8.1-1,
    /// MQTT-3.10.1-1]; all others 0. PUBLISH carries DUP/QoS/RETAIN instead, so it has none.
    var requiredFlags: UInt8? {
        switch self {
        case .publish: nil
        case .pubrel, .subscribe, .unsubscribe: 0b0010
        default: 0
        }
    }

    /// The remaining length a packet type with no variable-size fields must have, so an
    /// impossible length is refused from the fixed header alone, before its body is awaited.
    ///
    /// CONNACK §3.2.1, PUBACK/PUBREC/PUBREL/PUBCOMP §3.4.1–§3.7.1, UNSUBACK §3.11.1 carry exactly
    /// 2 bytes; PINGREQ/PINGRESP/DISCONNECT §3.12–§3.14 carry none.
    var fixedRemainingLength: Int? {
        switch self {
        case .connack, .puback, .pubrec, .pubrel, .pubcomp, .unsuback: 2
        case .pingreq, .pingresp, .disconnect: 0
        case .connect, .publish, .subscribe, .suback, .unsubscribe: nil
        }
    }
}

extension MQTTPacketType: CustomStringConvertible {
    /// The packet's name as the specification writes it, e.g. "SUBSCRIBE".
    public var description: String {
        switch self {
        case .connect: "CONNECT"
        case .connack: "CONNACK"
        case .publish: "PUBLISH"
        case .puback: "PUBACK"
        case .pubrec: "PUBREC"
        case .pubrel: "PUBREL"
        case .pubcomp: "PUBCOMP"
        case .subscribe: "SUBSCRIBE"
        case .suback: "SUBACK"
        case .unsubscribe: "UNSUBSCRIBE"
        case .unsuback: "UNSUBACK"
        case .pingreq: "PINGREQ"
        case .pingresp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        }
    }
}
