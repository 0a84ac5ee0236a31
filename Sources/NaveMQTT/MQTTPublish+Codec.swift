extension MQTTPublish {
    /// Decodes a PUBLISH whose fixed-header `flags` were already checked (§3.3.1): topic name,
    /// packet identifier if QoS > 0, then everything left is the payload (§3.3.2, §3.3.3).
    static func decode(flags: UInt8, _ reader: inout MQTTByteReader) throws(MQTTDecodeError) -> MQTTPublish {
        let qos = MQTTQoS(rawValue: (flags & MQTTPublishFlags.qosMask) >> MQTTPublishFlags.qosShift)!
        let topic = try reader.readTopicName()
        let packetID = qos == .atMostOnce ? nil : try reader.readPacketID()
        return MQTTPublish(
            topic: topic,
            payload: Array(reader.readRest()),
            qos: qos,
            retain: flags & MQTTPublishFlags.retain != 0,
            dup: flags & MQTTPublishFlags.dup != 0,
            packetID: packetID
        )
    }

    /// The fixed-header flags nibble: DUP, QoS, RETAIN (§3.3.1).
    var flags: UInt8 {
        var flags = qos.rawValue << MQTTPublishFlags.qosShift
        if dup { flags |= MQTTPublishFlags.dup }
        if retain { flags |= MQTTPublishFlags.retain }
        return flags
    }

    /// The remaining length this PUBLISH encodes to. Traps if `packetID` is present at QoS 0
    /// or missing above it: such a frame would be read back with a different payload.
    var remainingLength: Int {
        precondition((packetID != nil) == (qos != .atMostOnce), "PUBLISH packetID must be present iff QoS > 0")
        return lengthPrefixedFieldBytes(topic.utf8.count) + (packetID == nil ? 0 : 2) + payload.count
    }

    /// Writes the topic name, the packet identifier if any, and the payload.
    func writeBody(_ writer: inout MQTTByteWriter) {
        writer.write(string: topic)
        if let packetID { writer.write(packetID) }
        writer.write(bytes: payload)
    }
}
