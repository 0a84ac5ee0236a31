extension MQTTPacket {
    /// Decodes the body of a packet whose fixed header was already read and checked; `body` is
    /// exactly its remaining length (§2.2.3).
    static func decode(_ header: MQTTFixedHeader, body: UnsafeRawBufferPointer) throws(MQTTDecodeError) -> MQTTPacket {
        var reader = MQTTByteReader(body, type: header.type)
        switch header.type {
        case .connect: return .connect(try MQTTConnect.decode(&reader))
        case .connack: return .connack(try MQTTConnAck.decode(&reader))
        case .publish: return .publish(try MQTTPublish.decode(flags: header.flags, &reader))
        case .puback: return .puback(packetID: try reader.readPacketID())
        case .pubrec: return .pubrec(packetID: try reader.readPacketID())
        case .pubrel: return .pubrel(packetID: try reader.readPacketID())
        case .pubcomp: return .pubcomp(packetID: try reader.readPacketID())
        case .subscribe: return .subscribe(try MQTTSubscribe.decode(&reader))
        case .suback: return .suback(try MQTTSubAck.decode(&reader))
        case .unsubscribe: return .unsubscribe(try MQTTUnsubscribe.decode(&reader))
        case .unsuback: return .unsuback(packetID: try reader.readPacketID())
        // The fixed header already required a remaining length of 0 for these three.
        case .pingreq: return .pingreq
        case .pingresp: return .pingresp
        case .disconnect: return .disconnect
        }
    }
}
