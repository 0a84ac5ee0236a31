/// One MQTT 3.1.1 control packet, as decoded by `MQTTFrameDecoder` and written by
/// `encode(into:)` (MQTT 3.1.1 §2, §3).
///
/// Every packet type of the protocol is here, including the ones only a server sends
/// (CONNACK, SUBACK, …), because the same codec serves the broker and the load generator.
/// A decoded packet has passed every well-formedness rule of the specification; the encoder
/// writes what it is given and checks only what would make an unparseable frame.
///
/// Equality compares strings as Swift does, by canonical equivalence; compare the encoded
/// bytes where byte-exact identity matters (topic matching never normalises, §4.7.3).
public enum MQTTPacket: Sendable, Hashable {
    /// Client → server, first packet of a connection (§3.1).
    case connect(MQTTConnect)
    /// Server → client, the answer to CONNECT (§3.2).
    case connack(MQTTConnAck)
    /// Either direction, an application message (§3.3).
    case publish(MQTTPublish)
    /// Acknowledges a QoS 1 PUBLISH (§3.4).
    case puback(packetID: UInt16)
    /// First acknowledgement of a QoS 2 PUBLISH (§3.5).
    case pubrec(packetID: UInt16)
    /// Answers PUBREC: release the QoS 2 message (§3.6).
    case pubrel(packetID: UInt16)
    /// Answers PUBREL: the QoS 2 exchange is complete (§3.7).
    case pubcomp(packetID: UInt16)
    /// Client → server, subscribe to topic filters (§3.8).
    case subscribe(MQTTSubscribe)
    /// Server → client, the answer to SUBSCRIBE (§3.9).
    case suback(MQTTSubAck)
    /// Client → server, drop topic filters (§3.10).
    case unsubscribe(MQTTUnsubscribe)
    /// Server → client, the answer to UNSUBSCRIBE (§3.11).
    case unsuback(packetID: UInt16)
    /// Client → server keep-alive probe (§3.12).
    case pingreq
    /// Server → client, the answer to PINGREQ (§3.13).
    case pingresp
    /// Client → server, a clean close: the will is discarded (§3.14).
    case disconnect

    /// The control packet type, as in the fixed header (§2.2.1).
    public var type: MQTTPacketType {
        switch self {
        case .connect: .connect
        case .connack: .connack
        case .publish: .publish
        case .puback: .puback
        case .pubrec: .pubrec
        case .pubrel: .pubrel
        case .pubcomp: .pubcomp
        case .subscribe: .subscribe
        case .suback: .suback
        case .unsubscribe: .unsubscribe
        case .unsuback: .unsuback
        case .pingreq: .pingreq
        case .pingresp: .pingresp
        case .disconnect: .disconnect
        }
    }
}
