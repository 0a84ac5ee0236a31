import NaveMQTT

/// Bytes that must not decode, why, and the error they must produce.
struct MalformedFixture: CustomStringConvertible {
    var reason: String
    var bytes: [UInt8]
    var error: MQTTDecodeError
    var maximumPacketBytes = MQTTFrameDecoder.defaultMaximumPacketBytes

    var description: String { reason }
}

private let mqtt: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54]
/// A CONNECT body after its flags byte: keep alive 60, client id "c".
private let keepAliveAndClientID: [UInt8] = [0x00, 0x3C, 0x00, 0x01, 0x63]

/// A CONNECT carrying `level` and `flags`, then `payload` (keep alive and client id by default).
private func connect(level: UInt8 = 4, flags: UInt8, payload: [UInt8] = keepAliveAndClientID) -> [UInt8] {
    let body = mqtt + [level, flags] + payload
    return [0x10, UInt8(body.count)] + body
}

/// A QoS 0 PUBLISH to a topic given as raw bytes, with payload "x".
private func publish(topic: [UInt8]) -> [UInt8] {
    let body = [0x00, UInt8(topic.count)] + topic + [0x78]
    return [0x30, UInt8(body.count)] + body
}

/// A SUBSCRIBE with packet id 1 and one filter given as raw bytes.
private func subscribe(filter: [UInt8], qos: UInt8 = 0) -> [UInt8] {
    let body = [0x00, 0x01, 0x00, UInt8(filter.count)] + filter + [qos]
    return [0x82, UInt8(body.count)] + body
}

/// An UNSUBSCRIBE with packet id 1 and one filter given as raw bytes.
private func unsubscribe(filter: [UInt8]) -> [UInt8] {
    let body = [0x00, 0x01, 0x00, UInt8(filter.count)] + filter
    return [0xA2, UInt8(body.count)] + body
}

private func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

let malformedFixtures: [MalformedFixture] = [
    // Fixed header (§2.2).
    MalformedFixture(reason: "packet type 0 is reserved", bytes: [0x00, 0x00], error: .reservedPacketType(0)),
    MalformedFixture(reason: "packet type 15 is reserved", bytes: [0xF0, 0x00], error: .reservedPacketType(15)),
    MalformedFixture(
        reason: "remaining length with a fifth byte",
        bytes: [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        error: .remainingLengthTooLong
    ),
    MalformedFixture(
        reason: "a 2 KiB PUBLISH against a 1 KiB limit, refused from its header alone",
        bytes: [0x30, 0x80, 0x10],
        error: .packetTooLarge(packetBytes: 2051, maximumPacketBytes: 1024),
        maximumPacketBytes: 1024
    ),
    MalformedFixture(
        reason: "the protocol's largest remaining length against the default limit",
        bytes: [0x30, 0xFF, 0xFF, 0xFF, 0x7F],
        error: .packetTooLarge(packetBytes: 268_435_460, maximumPacketBytes: MQTTFrameDecoder.defaultMaximumPacketBytes)
    ),
    MalformedFixture(
        reason: "PUBREL flags must be 0010",
        bytes: [0x60, 0x02, 0x00, 0x01],
        error: .invalidFixedHeaderFlags(.pubrel, flags: 0)
    ),
    MalformedFixture(
        reason: "SUBSCRIBE flags must be 0010",
        bytes: [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00],
        error: .invalidFixedHeaderFlags(.subscribe, flags: 0)
    ),
    MalformedFixture(
        reason: "UNSUBSCRIBE flags must be 0010",
        bytes: [0xA3, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61],
        error: .invalidFixedHeaderFlags(.unsubscribe, flags: 3)
    ),
    MalformedFixture(
        reason: "CONNECT flags must be 0000",
        bytes: [0x18] + connect(flags: 0x02).dropFirst(),
        error: .invalidFixedHeaderFlags(.connect, flags: 8)
    ),
    MalformedFixture(
        reason: "PINGREQ flags must be 0000",
        bytes: [0xC1, 0x00],
        error: .invalidFixedHeaderFlags(.pingreq, flags: 1)
    ),
    MalformedFixture(
        reason: "PUBACK flags must be 0000",
        bytes: [0x42, 0x02, 0x00, 0x01],
        error: .invalidFixedHeaderFlags(.puback, flags: 2)
    ),

    // Lengths must match the fields exactly (§2.2.3).
    MalformedFixture(reason: "PUBACK with a third byte", bytes: [0x40, 0x03, 0x00, 0x01, 0x00], error: .trailingBytes(.puback, count: 1)),
    MalformedFixture(reason: "PUBACK with one byte", bytes: [0x40, 0x01, 0x00], error: .truncated(.puback)),
    MalformedFixture(reason: "PINGREQ with a body", bytes: [0xC0, 0x01, 0x00], error: .trailingBytes(.pingreq, count: 1)),
    MalformedFixture(reason: "DISCONNECT with a body", bytes: [0xE0, 0x02, 0x00, 0x00], error: .trailingBytes(.disconnect, count: 2)),
    MalformedFixture(reason: "CONNACK with three bytes", bytes: [0x20, 0x03, 0x00, 0x00, 0x00], error: .trailingBytes(.connack, count: 1)),
    MalformedFixture(
        reason: "CONNECT with a byte after its last field",
        bytes: connect(flags: 0x02, payload: keepAliveAndClientID + [0x00]),
        error: .trailingBytes(.connect, count: 1)
    ),
    MalformedFixture(
        reason: "PUBLISH topic length runs past the remaining length",
        bytes: [0x30, 0x04, 0x00, 0x0A, 0x61, 0x62],
        error: .truncated(.publish)
    ),
    MalformedFixture(
        reason: "QoS 1 PUBLISH too short for its packet identifier",
        bytes: [0x32, 0x06, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00],
        error: .truncated(.publish)
    ),
    MalformedFixture(
        reason: "SUBSCRIBE filter without its requested QoS byte",
        bytes: [0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61],
        error: .truncated(.subscribe)
    ),
    MalformedFixture(
        reason: "CONNECT with the user name flag but no user name",
        bytes: connect(flags: 0x82),
        error: .truncated(.connect)
    ),

    // UTF-8 strings (§1.5.3).
    MalformedFixture(reason: "U+0000 in a topic", bytes: publish(topic: [0x61, 0x00, 0x62]), error: .invalidUTF8(.nullCharacter(offset: 1))),
    MalformedFixture(reason: "surrogate U+D800 encoded as ED A0 80", bytes: publish(topic: [0x61, 0xED, 0xA0, 0x80]), error: .invalidUTF8(.surrogate(offset: 1))),
    MalformedFixture(reason: "overlong U+0000 as C0 80", bytes: publish(topic: [0xC0, 0x80]), error: .invalidUTF8(.illFormed(offset: 0))),
    MalformedFixture(reason: "overlong '/' as E0 80 AF", bytes: publish(topic: [0x61, 0xE0, 0x80, 0xAF]), error: .invalidUTF8(.illFormed(offset: 1))),
    MalformedFixture(reason: "stray continuation byte", bytes: publish(topic: [0x61, 0x80]), error: .invalidUTF8(.illFormed(offset: 1))),
    MalformedFixture(reason: "sequence cut short by the string's end", bytes: publish(topic: [0x61, 0xE2, 0x82]), error: .invalidUTF8(.illFormed(offset: 1))),
    MalformedFixture(reason: "code point above U+10FFFF", bytes: publish(topic: [0xF4, 0x90, 0x80, 0x80]), error: .invalidUTF8(.illFormed(offset: 0))),
    MalformedFixture(reason: "byte FF", bytes: publish(topic: [0xFF]), error: .invalidUTF8(.illFormed(offset: 0))),
    MalformedFixture(
        reason: "ill-formed client identifier",
        bytes: connect(flags: 0x02, payload: [0x00, 0x3C, 0x00, 0x02, 0xC3, 0x28]),
        error: .invalidUTF8(.illFormed(offset: 0))
    ),
    MalformedFixture(
        reason: "U+0000 in a subscription filter",
        bytes: subscribe(filter: [0x61, 0x2F, 0x00]),
        error: .invalidUTF8(.nullCharacter(offset: 2))
    ),

    // Packet identifiers (§2.3.1).
    MalformedFixture(reason: "PUBACK packet id 0", bytes: [0x40, 0x02, 0x00, 0x00], error: .zeroPacketID(.puback)),
    MalformedFixture(
        reason: "QoS 1 PUBLISH packet id 0",
        bytes: [0x32, 0x08, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x00, 0x78],
        error: .zeroPacketID(.publish)
    ),
    MalformedFixture(reason: "SUBSCRIBE packet id 0", bytes: [0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00], error: .zeroPacketID(.subscribe)),
    MalformedFixture(reason: "UNSUBACK packet id 0", bytes: [0xB0, 0x02, 0x00, 0x00], error: .zeroPacketID(.unsuback)),

    // CONNECT (§3.1.2).
    MalformedFixture(reason: "protocol level 3", bytes: connect(level: 3, flags: 0x02), error: .unacceptableProtocolLevel(3)),
    MalformedFixture(reason: "protocol level 5", bytes: connect(level: 5, flags: 0x02), error: .unacceptableProtocolLevel(5)),
    MalformedFixture(
        reason: "MQIsdp at level 4 gets the protocol-level answer, as Mosquitto gives",
        bytes: {
            let body: [UInt8] = [0x00, 0x06] + ascii("MQIsdp") + [0x04, 0x02] + keepAliveAndClientID
            return [0x10, UInt8(body.count)] + body
        }(),
        error: .unacceptableProtocolLevel(4)
    ),
    MalformedFixture(
        reason: "MQIsdp with will QoS 3",
        bytes: {
            let body: [UInt8] = [0x00, 0x06] + ascii("MQIsdp") + [0x03, 0x1A] + keepAliveAndClientID
            return [0x10, UInt8(body.count)] + body
        }(),
        error: .invalidWillQoS
    ),
    MalformedFixture(
        reason: "protocol name MQTX",
        bytes: {
            let body: [UInt8] = [0x00, 0x04] + ascii("MQTX") + [0x04, 0x02] + keepAliveAndClientID
            return [0x10, UInt8(body.count)] + body
        }(),
        error: .invalidProtocolName
    ),
    MalformedFixture(reason: "connect flags reserved bit set", bytes: connect(flags: 0x03), error: .connectReservedFlagSet),
    MalformedFixture(reason: "will QoS without the will flag", bytes: connect(flags: 0x0A), error: .willFlagsWithoutWill),
    MalformedFixture(reason: "will retain without the will flag", bytes: connect(flags: 0x22), error: .willFlagsWithoutWill),
    MalformedFixture(
        reason: "will QoS 3",
        bytes: connect(flags: 0x1E, payload: keepAliveAndClientID + [0x00, 0x01, 0x74, 0x00, 0x00]),
        error: .invalidWillQoS
    ),
    MalformedFixture(
        reason: "password without user name",
        bytes: connect(flags: 0x42, payload: keepAliveAndClientID + [0x00, 0x01, 0x70]),
        error: .passwordWithoutUsername
    ),
    MalformedFixture(
        reason: "will topic with a wildcard",
        bytes: connect(flags: 0x06, payload: keepAliveAndClientID + [0x00, 0x03, 0x61, 0x2F, 0x23, 0x00, 0x00]),
        error: .invalidTopicName(.wildcardInTopicName)
    ),

    // CONNACK (§3.2.2).
    MalformedFixture(reason: "CONNACK reserved flag bits", bytes: [0x20, 0x02, 0x02, 0x00], error: .invalidConnAckFlags(2)),
    MalformedFixture(reason: "CONNACK return code 6", bytes: [0x20, 0x02, 0x00, 0x06], error: .unknownConnectReturnCode(6)),
    MalformedFixture(reason: "CONNACK session present with a refusal", bytes: [0x20, 0x02, 0x01, 0x05], error: .sessionPresentWithRefusal),

    // PUBLISH (§3.3).
    MalformedFixture(reason: "PUBLISH QoS 3", bytes: [0x36, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x01], error: .invalidPublishQoS),
    MalformedFixture(reason: "PUBLISH DUP at QoS 0", bytes: [0x38, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x62], error: .dupWithQoS0),
    MalformedFixture(reason: "'+' in a PUBLISH topic", bytes: publish(topic: ascii("a/+")), error: .invalidTopicName(.wildcardInTopicName)),
    MalformedFixture(reason: "'#' in a PUBLISH topic", bytes: publish(topic: ascii("a/#")), error: .invalidTopicName(.wildcardInTopicName)),
    MalformedFixture(reason: "empty PUBLISH topic", bytes: publish(topic: []), error: .invalidTopicName(.empty)),

    // SUBSCRIBE, SUBACK, UNSUBSCRIBE (§3.8–§3.10) and filter syntax (§4.7.1).
    MalformedFixture(reason: "SUBSCRIBE without filters", bytes: [0x82, 0x02, 0x00, 0x01], error: .subscribeWithoutFilters),
    MalformedFixture(reason: "SUBSCRIBE requesting QoS 3", bytes: subscribe(filter: ascii("a"), qos: 3), error: .invalidRequestedQoS(3)),
    MalformedFixture(reason: "SUBSCRIBE QoS byte with reserved bits", bytes: subscribe(filter: ascii("a"), qos: 0x41), error: .invalidRequestedQoS(0x41)),
    MalformedFixture(reason: "'#' not last in a filter", bytes: subscribe(filter: ascii("a/#/b")), error: .invalidTopicFilter(.misplacedMultiLevelWildcard)),
    MalformedFixture(reason: "'#' sharing its level", bytes: subscribe(filter: ascii("sport/tennis#")), error: .invalidTopicFilter(.misplacedMultiLevelWildcard)),
    MalformedFixture(reason: "'+' sharing its level", bytes: subscribe(filter: ascii("sport+")), error: .invalidTopicFilter(.misplacedSingleLevelWildcard)),
    MalformedFixture(reason: "empty filter", bytes: subscribe(filter: []), error: .invalidTopicFilter(.empty)),
    MalformedFixture(reason: "SUBACK without return codes", bytes: [0x90, 0x02, 0x00, 0x01], error: .subAckWithoutReturnCodes),
    MalformedFixture(reason: "SUBACK return code 3", bytes: [0x90, 0x03, 0x00, 0x01, 0x03], error: .unknownSubAckReturnCode(3)),
    MalformedFixture(reason: "UNSUBSCRIBE without filters", bytes: [0xA2, 0x02, 0x00, 0x01], error: .unsubscribeWithoutFilters),
    MalformedFixture(reason: "UNSUBSCRIBE filter '+a'", bytes: unsubscribe(filter: ascii("+a")), error: .invalidTopicFilter(.misplacedSingleLevelWildcard)),
]
