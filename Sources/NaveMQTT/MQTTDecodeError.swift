/// Why bytes are not a well-formed MQTT 3.1.1 packet.
///
/// Every case names the rule that was broken: `specClause` cites it and `reason` explains it,
/// for log lines (neither ever contains packet contents, only sizes, codes and flag bits).
/// All cases except `unacceptableProtocolLevel` mean the network connection must be closed
/// without a reply (§4.8); that one is answered with CONNACK 0x01 first (§3.1.2.2).
public enum MQTTDecodeError: Error, Sendable, Hashable {
    /// Packet type 0 or 15 in the fixed header; both are reserved (§2.2.1).
    case reservedPacketType(UInt8)
    /// The flags nibble is not the one the packet type requires (§2.2.2, table 2.2).
    case invalidFixedHeaderFlags(MQTTPacketType, flags: UInt8)
    /// The remaining-length field continues past its fourth byte (§2.2.3).
    case remainingLengthTooLong
    /// The packet, fixed header included, is larger than the limit the decoder was given.
    /// Reported as soon as the fixed header is read, before any of the body is awaited.
    case packetTooLarge(packetBytes: Int, maximumPacketBytes: Int)
    /// A field runs past the end that the remaining length announced (§2.2.3).
    case truncated(MQTTPacketType)
    /// The remaining length announces bytes that no field of the packet accounts for (§2.2.3).
    case trailingBytes(MQTTPacketType, count: Int)
    /// A UTF-8 encoded string breaks §1.5.3.
    case invalidUTF8(MQTTUTF8Violation)
    /// A packet identifier is 0, which is never valid (§2.3.1 [MQTT-2.3.1-1]).
    case zeroPacketID(MQTTPacketType)
    /// PUBLISH with both QoS bits set (§3.3.1.2 [MQTT-3.3.1-4]).
    case invalidPublishQoS
    /// PUBLISH at QoS 0 with DUP set (§3.3.1.1 [MQTT-3.3.1-2]).
    case dupWithQoS0
    /// A topic name (PUBLISH, or a CONNECT will topic) breaks §4.7.
    case invalidTopicName(MQTTTopicViolation)
    /// A topic filter (SUBSCRIBE, UNSUBSCRIBE) breaks §4.7.
    case invalidTopicFilter(MQTTTopicViolation)
    /// The CONNECT protocol name is neither "MQTT" nor MQTT 3.1's "MQIsdp" (§3.1.2.1
    /// [MQTT-3.1.2-1]).
    case invalidProtocolName
    /// The CONNECT protocol level is not 4 (or the client speaks MQTT 3.1, "MQIsdp"). The server
    /// answers CONNACK 0x01 and then closes (§3.1.2.2 [MQTT-3.1.2-2]).
    case unacceptableProtocolLevel(UInt8)
    /// The reserved bit 0 of the CONNECT flags is set (§3.1.2.3 [MQTT-3.1.2-3]).
    case connectReservedFlagSet
    /// Will QoS or will retain is set while the will flag is not (§3.1.2.6 [MQTT-3.1.2-13],
    /// §3.1.2.7 [MQTT-3.1.2-15]).
    case willFlagsWithoutWill
    /// The will QoS is 3 (§3.1.2.6 [MQTT-3.1.2-14]).
    case invalidWillQoS
    /// The password flag is set and the user name flag is not (§3.1.2.9 [MQTT-3.1.2-22]).
    case passwordWithoutUsername
    /// Reserved bits 7–1 of the CONNACK acknowledge flags are set (§3.2.2.1).
    case invalidConnAckFlags(UInt8)
    /// CONNACK return code 6–255, all reserved (§3.2.2.3).
    case unknownConnectReturnCode(UInt8)
    /// CONNACK refuses the connection yet claims a session (§3.2.2.2 [MQTT-3.2.2-4]).
    case sessionPresentWithRefusal
    /// SUBSCRIBE without any topic filter (§3.8.3 [MQTT-3.8.3-3]).
    case subscribeWithoutFilters
    /// A SUBSCRIBE requested-QoS byte has reserved bits set or asks for QoS 3 (§3.8.3.1
    /// [MQTT-3-8.3-4]).
    case invalidRequestedQoS(UInt8)
    /// SUBACK without any return code (§3.9.3 [MQTT-3.9.3-1]: one per requested filter, and a
    /// SUBSCRIBE has at least one).
    case subAckWithoutReturnCodes
    /// A SUBACK return code other than 0x00, 0x01, 0x02, 0x80 (§3.9.3 [MQTT-3.9.3-2]).
    case unknownSubAckReturnCode(UInt8)
    /// UNSUBSCRIBE without any topic filter (§3.10.3 [MQTT-3.10.3-2]).
    case unsubscribeWithoutFilters
}

/// How a UTF-8 encoded string breaks MQTT 3.1.1 §1.5.3. Each `offset` is the byte offset of the
/// first offending byte within the string's data (after its two-byte length prefix).
public enum MQTTUTF8Violation: Sendable, Hashable {
    /// Not well-formed UTF-8 (RFC 3629, required by §1.5.3): a stray continuation byte, a
    /// truncated sequence, an overlong encoding or a code point above U+10FFFF.
    case illFormed(offset: Int)
    /// An encoded UTF-16 surrogate, U+D800–U+DFFF [MQTT-1.5.3-1].
    case surrogate(offset: Int)
    /// U+0000 [MQTT-1.5.3-2].
    case nullCharacter(offset: Int)
    /// A control character, U+0001–U+001F or U+007F–U+009F (§1.5.3: "SHOULD NOT"; refused,
    /// as Mosquitto 2.0 does).
    case controlCharacter(offset: Int)
    /// A noncharacter, U+FDD0–U+FDEF or U+xFFFE/U+xFFFF (§1.5.3: "SHOULD NOT"; refused, as
    /// Mosquitto 2.0 does).
    case noncharacter(offset: Int)
}

/// How a topic name or filter breaks MQTT 3.1.1 §4.7.
public enum MQTTTopicViolation: Sendable, Hashable {
    /// Zero length (§4.7.3 [MQTT-4.7.3-1]).
    case empty
    /// A topic name contains `+` or `#` (§3.3.2.1 [MQTT-3.3.2-2], §4.7.1 [MQTT-4.7.1-1]).
    case wildcardInTopicName
    /// `#` is not the last character, or not alone in its level (§4.7.1.2 [MQTT-4.7.1-2]).
    case misplacedMultiLevelWildcard
    /// `+` does not occupy a whole level (§4.7.1.3 [MQTT-4.7.1-3]).
    case misplacedSingleLevelWildcard
    /// U+0000 (§4.7.3 [MQTT-4.7.3-2]); only reachable from a Swift `String`, as the decoder
    /// already refuses it as `MQTTUTF8Violation.nullCharacter`.
    case nullCharacter
}
