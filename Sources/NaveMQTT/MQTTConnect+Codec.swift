extension MQTTConnect {
    /// The protocol name of MQTT 3.1.1 as a length-prefixed string (§3.1.2.1).
    private static let protocolName: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54]  // "MQTT"
    /// MQTT 3.1's protocol name, "MQIsdp", at level 3.
    private static let legacyProtocolName: [UInt8] = [0x00, 0x06] + Array("MQIsdp".utf8)

    /// Decodes the variable header and payload of a CONNECT (§3.1.2, §3.1.3).
    static func decode(_ reader: inout MQTTByteReader) throws(MQTTDecodeError) -> MQTTConnect {
        let name = try reader.readLengthPrefixedBytes()
        let level = try reader.readUInt8()
        let legacy: Bool
        if name.elementsEqual(protocolName.dropFirst(2)) {
            guard level == 4 else { throw .unacceptableProtocolLevel(level) }
            legacy = false
        } else if name.elementsEqual(legacyProtocolName.dropFirst(2)) {
            // A level the name does not go with gets CONNACK 0x01, as Mosquitto answers.
            guard level == MQTTConnect.legacyProtocolLevel else { throw .unacceptableProtocolLevel(level) }
            legacy = true
        } else {
            // Not MQTT at all [MQTT-3.1.2-1].
            throw .invalidProtocolName
        }
        // MQTT 3.1 has no reserved-bit or will-flag consistency rules; Mosquitto checks them
        // for 3.1.1 only (handle_connect.c), and so does Nave.
        let rawFlags = try reader.readUInt8()
        let flags = legacy ? rawFlags & ~MQTTConnectFlags.reserved : try checkedFlags(rawFlags)
        if legacy, flags & MQTTConnectFlags.willQoSMask == MQTTConnectFlags.willQoSMask { throw .invalidWillQoS }
        let keepAliveSeconds = try reader.readUInt16()

        // The payload fields appear in this order, each only if its flag is set (§3.1.3).
        let clientID = try reader.readString()
        var will: MQTTWill?
        if flags & MQTTConnectFlags.will != 0 {
            let topic = try reader.readTopicName()
            let payload = try reader.readBinary()
            will = MQTTWill(
                topic: topic,
                payload: payload,
                qos: MQTTQoS(rawValue: (flags & MQTTConnectFlags.willQoSMask) >> MQTTConnectFlags.willQoSShift)!,
                retain: flags & MQTTConnectFlags.willRetain != 0
            )
        }
        // An MQTT 3.1 client may set the username or password flag and leave the field out;
        // Mosquitto then ignores the flag, and so does Nave.
        let username = flags & MQTTConnectFlags.username != 0 && (!legacy || reader.remainingByteCount > 0)
            ? try reader.readString() : nil
        let password = flags & MQTTConnectFlags.password != 0 && (!legacy || reader.remainingByteCount > 0)
            ? try reader.readBinary() : nil
        if legacy, password != nil, username == nil { throw .passwordWithoutUsername }
        try reader.expectEnd()
        return MQTTConnect(
            protocolLevel: level,
            clientID: clientID,
            cleanSession: flags & MQTTConnectFlags.cleanSession != 0,
            keepAliveSeconds: keepAliveSeconds,
            will: will,
            username: username,
            password: password
        )
    }

    /// Checks the connect flags byte against §3.1.2.3–§3.1.2.9; returns it unchanged.
    private static func checkedFlags(_ flags: UInt8) throws(MQTTDecodeError) -> UInt8 {
        guard flags & MQTTConnectFlags.reserved == 0 else { throw .connectReservedFlagSet }
        let willQoSBits = (flags & MQTTConnectFlags.willQoSMask) >> MQTTConnectFlags.willQoSShift
        if flags & MQTTConnectFlags.will == 0 {
            guard willQoSBits == 0, flags & MQTTConnectFlags.willRetain == 0 else {
                throw .willFlagsWithoutWill
            }
        }
        guard willQoSBits != 3 else { throw .invalidWillQoS }
        guard flags & MQTTConnectFlags.password == 0 || flags & MQTTConnectFlags.username != 0 else {
            throw .passwordWithoutUsername
        }
        return flags
    }

    /// The remaining length this CONNECT encodes to.
    var remainingLength: Int {
        var length = encodedProtocolName.count + 1 + 1 + 2  // name, level, flags, keep alive
        length += lengthPrefixedFieldBytes(clientID.utf8.count)
        if let will {
            length += lengthPrefixedFieldBytes(will.topic.utf8.count)
            length += lengthPrefixedFieldBytes(will.payload.count)
        }
        if let username { length += lengthPrefixedFieldBytes(username.utf8.count) }
        if let password { length += lengthPrefixedFieldBytes(password.count) }
        return length
    }

    /// Writes the variable header and payload (§3.1.2, §3.1.3).
    func writeBody(_ writer: inout MQTTByteWriter) {
        writer.write(bytes: encodedProtocolName)
        writer.write(protocolLevel)
        writer.write(flagsByte)
        writer.write(keepAliveSeconds)
        writer.write(string: clientID)
        if let will {
            writer.write(string: will.topic)
            writer.write(binary: will.payload)
        }
        if let username { writer.write(string: username) }
        if let password { writer.write(binary: password) }
    }

    /// The length-prefixed protocol name that goes with `protocolLevel`.
    private var encodedProtocolName: [UInt8] { isLegacy ? Self.legacyProtocolName : Self.protocolName }

    /// The connect flags implied by which optional fields are present (§3.1.2.3).
    private var flagsByte: UInt8 {
        var flags: UInt8 = 0
        if cleanSession { flags |= MQTTConnectFlags.cleanSession }
        if let will {
            flags |= MQTTConnectFlags.will | will.qos.rawValue << MQTTConnectFlags.willQoSShift
            if will.retain { flags |= MQTTConnectFlags.willRetain }
        }
        if username != nil { flags |= MQTTConnectFlags.username }
        if password != nil { flags |= MQTTConnectFlags.password }
        return flags
    }
}
