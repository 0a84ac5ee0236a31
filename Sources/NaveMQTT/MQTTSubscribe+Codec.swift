extension MQTTSubscribe {
    /// Decodes a SUBSCRIBE: a packet identifier, then one or more (filter, requested QoS)
    /// pairs filling the rest of the packet (§3.8.2, §3.8.3).
    static func decode(_ reader: inout MQTTByteReader) throws(MQTTDecodeError) -> MQTTSubscribe {
        let packetID = try reader.readPacketID()
        var subscriptions: [MQTTSubscription] = []
        while reader.remainingByteCount > 0 {
            let filter = try reader.readTopicFilter()
            let requested = try reader.readUInt8()
            // The upper six bits are reserved [MQTT-3-8.3-4]; QoS 3 does not exist.
            guard requested & 0b1111_1100 == 0, let qos = MQTTQoS(rawValue: requested) else {
                throw .invalidRequestedQoS(requested)
            }
            subscriptions.append(MQTTSubscription(filter: filter, qos: qos))
        }
        guard !subscriptions.isEmpty else { throw .subscribeWithoutFilters }
        return MQTTSubscribe(packetID: packetID, subscriptions: subscriptions)
    }

    /// The remaining length this SUBSCRIBE encodes to.
    var remainingLength: Int {
        subscriptions.reduce(2) { $0 + lengthPrefixedFieldBytes($1.filter.utf8.count) + 1 }
    }

    func writeBody(_ writer: inout MQTTByteWriter) {
        writer.write(packetID)
        for subscription in subscriptions {
            writer.write(string: subscription.filter)
            writer.write(subscription.qos.rawValue)
        }
    }
}

extension MQTTSubAck {
    /// Decodes a SUBACK: a packet identifier, then one return code byte per requested filter
    /// (§3.9.2, §3.9.3).
    static func decode(_ reader: inout MQTTByteReader) throws(MQTTDecodeError) -> MQTTSubAck {
        let packetID = try reader.readPacketID()
        var returnCodes: [MQTTSubAckReturnCode] = []
        returnCodes.reserveCapacity(reader.remainingByteCount)
        for code in reader.readRest() {
            guard let returnCode = MQTTSubAckReturnCode(rawValue: code) else {
                throw .unknownSubAckReturnCode(code)
            }
            returnCodes.append(returnCode)
        }
        guard !returnCodes.isEmpty else { throw .subAckWithoutReturnCodes }
        return MQTTSubAck(packetID: packetID, returnCodes: returnCodes)
    }

    /// The remaining length this SUBACK encodes to.
    var remainingLength: Int { 2 + returnCodes.count }

    func writeBody(_ writer: inout MQTTByteWriter) {
        writer.write(packetID)
        for returnCode in returnCodes { writer.write(returnCode.rawValue) }
    }
}

extension MQTTUnsubscribe {
    /// Decodes an UNSUBSCRIBE: a packet identifier, then one or more topic filters filling the
    /// rest of the packet (§3.10.2, §3.10.3).
    static func decode(_ reader: inout MQTTByteReader) throws(MQTTDecodeError) -> MQTTUnsubscribe {
        let packetID = try reader.readPacketID()
        var filters: [String] = []
        while reader.remainingByteCount > 0 {
            filters.append(try reader.readTopicFilter())
        }
        guard !filters.isEmpty else { throw .unsubscribeWithoutFilters }
        return MQTTUnsubscribe(packetID: packetID, filters: filters)
    }

    /// The remaining length this UNSUBSCRIBE encodes to.
    var remainingLength: Int {
        filters.reduce(2) { $0 + lengthPrefixedFieldBytes($1.utf8.count) }
    }

    func writeBody(_ writer: inout MQTTByteWriter) {
        writer.write(packetID)
        for filter in filters { writer.write(string: filter) }
    }
}
