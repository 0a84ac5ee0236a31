import NaveMQTT

/// A packet written out byte by byte from the figures of MQTT 3.1.1 §3, independent of the
/// encoder, with the value it must decode to.
struct PacketFixture: CustomStringConvertible {
    var name: String
    var bytes: [UInt8]
    var packet: MQTTPacket
    /// Whether the encoder must produce exactly these bytes. False for encodings the decoder
    /// accepts but the encoder never writes (a non-minimal remaining length).
    var canonical = true

    var description: String { name }
}

/// "a/b" as a length-prefixed UTF-8 string (§1.5.3).
private let topicAB: [UInt8] = [0x00, 0x03, 0x61, 0x2F, 0x62]
/// "MQTT" level 4 (§3.1.2.1, §3.1.2.2, figure 3.2).
private let mqtt4: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04]

let packetFixtures: [PacketFixture] = [
    PacketFixture(
        name: "CONNECT minimal, clean session, keep alive 60",
        bytes: [0x10, 0x0F] + mqtt4 + [0x02, 0x00, 0x3C, 0x00, 0x03, 0x61, 0x62, 0x63],
        packet: .connect(MQTTConnect(clientID: "abc", cleanSession: true, keepAliveSeconds: 60))
    ),
    PacketFixture(
        name: "CONNECT empty client id",
        bytes: [0x10, 0x0C] + mqtt4 + [0x02, 0x00, 0x00, 0x00, 0x00],
        packet: .connect(MQTTConnect(clientID: "", cleanSession: true, keepAliveSeconds: 0))
    ),
    PacketFixture(
        // flags 0xEC: user name, password, will retain, will QoS 1, will; not clean (§3.1.2.3).
        name: "CONNECT with will, user name and password",
        bytes: [0x10, 0x22] + mqtt4 + [0xEC, 0x00, 0x0A]
            + [0x00, 0x04, 0x64, 0x65, 0x76, 0x31]  // client id "dev1"
            + [0x00, 0x03, 0x77, 0x2F, 0x74]  // will topic "w/t"
            + [0x00, 0x03, 0x62, 0x79, 0x65]  // will message "bye"
            + [0x00, 0x01, 0x75]  // user name "u"
            + [0x00, 0x03, 0x70, 0x00, 0xFF],  // password, binary
        packet: .connect(
            MQTTConnect(
                clientID: "dev1",
                cleanSession: false,
                keepAliveSeconds: 10,
                will: MQTTWill(topic: "w/t", payload: Array("bye".utf8), qos: .atLeastOnce, retain: true),
                username: "u",
                password: [0x70, 0x00, 0xFF]
            )
        )
    ),
    PacketFixture(
        name: "CONNACK accepted",
        bytes: [0x20, 0x02, 0x00, 0x00],
        packet: .connack(MQTTConnAck(sessionPresent: false, returnCode: .accepted))
    ),
    PacketFixture(
        name: "CONNACK session present",
        bytes: [0x20, 0x02, 0x01, 0x00],
        packet: .connack(MQTTConnAck(sessionPresent: true, returnCode: .accepted))
    ),
    PacketFixture(
        name: "CONNACK not authorized",
        bytes: [0x20, 0x02, 0x00, 0x05],
        packet: .connack(MQTTConnAck(sessionPresent: false, returnCode: .notAuthorized))
    ),
    PacketFixture(
        // MQTT 3.1 ("MQIsdp", level 3), which Mosquitto 2.0 accepts and older devices speak.
        name: "CONNECT MQTT 3.1",
        bytes: [0x10, 0x11, 0x00, 0x06] + Array("MQIsdp".utf8) + [0x03, 0x02, 0x00, 0x3C, 0x00, 0x03] + Array("abc".utf8),
        packet: .connect(MQTTConnect(protocolLevel: 3, clientID: "abc"))
    ),
    PacketFixture(
        name: "PUBLISH QoS 0",
        bytes: [0x30, 0x07] + topicAB + [0x68, 0x69],
        packet: .publish(MQTTPublish(topic: "a/b", payload: Array("hi".utf8)))
    ),
    PacketFixture(
        name: "PUBLISH QoS 1 DUP RETAIN",
        bytes: [0x3B, 0x09] + topicAB + [0x00, 0x0A, 0x68, 0x69],
        packet: .publish(
            MQTTPublish(topic: "a/b", payload: Array("hi".utf8), qos: .atLeastOnce, retain: true, dup: true, packetID: 10)
        )
    ),
    PacketFixture(
        name: "PUBLISH QoS 2 empty payload",
        bytes: [0x34, 0x07] + topicAB + [0xFF, 0xFF],
        packet: .publish(MQTTPublish(topic: "a/b", payload: [], qos: .exactlyOnce, packetID: 0xFFFF))
    ),
    PacketFixture(
        name: "PUBLISH multibyte topic s/ü",
        bytes: [0x30, 0x06, 0x00, 0x04, 0x73, 0x2F, 0xC3, 0xBC],
        packet: .publish(MQTTPublish(topic: "s/\u{FC}", payload: []))
    ),
    PacketFixture(
        // Remaining length 205 = 0x4D + 1 × 128: two bytes, 0xCD 0x01 (§2.2.3, table 2.4).
        name: "PUBLISH 200-byte payload, two-byte remaining length",
        bytes: [0x30, 0xCD, 0x01] + topicAB + [UInt8](repeating: 0xA5, count: 200),
        packet: .publish(MQTTPublish(topic: "a/b", payload: [UInt8](repeating: 0xA5, count: 200)))
    ),
    PacketFixture(name: "PUBACK", bytes: [0x40, 0x02, 0x00, 0x01], packet: .puback(packetID: 1)),
    PacketFixture(name: "PUBREC", bytes: [0x50, 0x02, 0x12, 0x34], packet: .pubrec(packetID: 0x1234)),
    PacketFixture(name: "PUBREL", bytes: [0x62, 0x02, 0x00, 0x02], packet: .pubrel(packetID: 2)),
    PacketFixture(name: "PUBCOMP", bytes: [0x70, 0x02, 0xFF, 0xFF], packet: .pubcomp(packetID: 0xFFFF)),
    PacketFixture(
        name: "SUBSCRIBE two filters",
        bytes: [0x82, 0x0E, 0x00, 0x01] + topicAB + [0x01, 0x00, 0x03, 0x63, 0x2F, 0x23, 0x02],
        packet: .subscribe(
            MQTTSubscribe(
                packetID: 1,
                subscriptions: [
                    MQTTSubscription(filter: "a/b", qos: .atLeastOnce),
                    MQTTSubscription(filter: "c/#", qos: .exactlyOnce),
                ]
            )
        )
    ),
    PacketFixture(
        name: "SUBACK granted and refused",
        bytes: [0x90, 0x05, 0x00, 0x01, 0x00, 0x02, 0x80],
        packet: .suback(MQTTSubAck(packetID: 1, returnCodes: [.grantedQoS0, .grantedQoS2, .failure]))
    ),
    PacketFixture(
        name: "UNSUBSCRIBE two filters",
        bytes: [0xA2, 0x0A, 0x00, 0x02] + topicAB + [0x00, 0x01, 0x2B],
        packet: .unsubscribe(MQTTUnsubscribe(packetID: 2, filters: ["a/b", "+"]))
    ),
    PacketFixture(name: "UNSUBACK", bytes: [0xB0, 0x02, 0x00, 0x02], packet: .unsuback(packetID: 2)),
    PacketFixture(name: "PINGREQ", bytes: [0xC0, 0x00], packet: .pingreq),
    PacketFixture(name: "PINGRESP", bytes: [0xD0, 0x00], packet: .pingresp),
    PacketFixture(name: "DISCONNECT", bytes: [0xE0, 0x00], packet: .disconnect),
    PacketFixture(
        name: "PINGREQ with a non-minimal remaining length",
        bytes: [0xC0, 0x80, 0x00],
        packet: .pingreq,
        canonical: false
    ),
]
