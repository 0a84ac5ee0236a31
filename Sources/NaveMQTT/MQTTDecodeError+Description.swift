extension MQTTDecodeError {
    /// The MQTT 3.1.1 clause the bytes broke, with its normative statement number where the
    /// specification gives one, e.g. "MQTT 3.1.1 §3.1.2.3 [MQTT-3.1.2-3]".
    public var specClause: String {
        "MQTT 3.1.1 " + clause
    }

    private var clause: String {
        switch self {
        case .reservedPacketType: "§2.2.1"
        case .invalidFixedHeaderFlags: "§2.2.2 [MQTT-2.2.2-1, MQTT-2.2.2-2]"
        case .remainingLengthTooLong: "§2.2.3"
        case .packetTooLarge: "§2.2.3 (server limit)"
        case .truncated, .trailingBytes: "§2.2.3"
        case .invalidUTF8(.illFormed), .invalidUTF8(.surrogate): "§1.5.3 [MQTT-1.5.3-1]"
        case .invalidUTF8(.nullCharacter): "§1.5.3 [MQTT-1.5.3-2]"
        case .invalidUTF8(.controlCharacter), .invalidUTF8(.noncharacter): "§1.5.3 (SHOULD NOT; closed as Mosquitto does)"
        case .zeroPacketID: "§2.3.1 [MQTT-2.3.1-1]"
        case .invalidPublishQoS: "§3.3.1.2 [MQTT-3.3.1-4]"
        case .dupWithQoS0: "§3.3.1.1 [MQTT-3.3.1-2]"
        case .invalidTopicName(let violation), .invalidTopicFilter(let violation): violation.clause
        case .invalidProtocolName: "§3.1.2.1 [MQTT-3.1.2-1]"
        case .unacceptableProtocolLevel: "§3.1.2.2 [MQTT-3.1.2-2]"
        case .connectReservedFlagSet: "§3.1.2.3 [MQTT-3.1.2-3]"
        case .willFlagsWithoutWill: "§3.1.2.6–§3.1.2.7 [MQTT-3.1.2-13, MQTT-3.1.2-15]"
        case .invalidWillQoS: "§3.1.2.6 [MQTT-3.1.2-14]"
        case .passwordWithoutUsername: "§3.1.2.9 [MQTT-3.1.2-22]"
        case .invalidConnAckFlags: "§3.2.2.1"
        case .unknownConnectReturnCode: "§3.2.2.3"
        case .sessionPresentWithRefusal: "§3.2.2.2 [MQTT-3.2.2-4]"
        case .subscribeWithoutFilters: "§3.8.3 [MQTT-3.8.3-3]"
        case .invalidRequestedQoS: "§3.8.3.1 [MQTT-3-8.3-4]"
        case .subAckWithoutReturnCodes: "§3.9.3 [MQTT-3.9.3-1]"
        case .unknownSubAckReturnCode: "§3.9.3 [MQTT-3.9.3-2]"
        case .unsubscribeWithoutFilters: "§3.10.3 [MQTT-3.10.3-2]"
        }
    }

    /// A one-line explanation for logs: codes, flag bits and sizes, never packet contents.
    public var reason: String {
        switch self {
        case .reservedPacketType(let type):
            "reserved packet type \(type)"
        case .invalidFixedHeaderFlags(let type, let flags):
            "\(type) with fixed-header flags \(binary(flags)), expected \(binary(type.requiredFlags ?? 0))"
        case .remainingLengthTooLong:
            "remaining length longer than 4 bytes"
        case .packetTooLarge(let packetBytes, let maximumPacketBytes):
            "packet of \(packetBytes) bytes exceeds the limit of \(maximumPacketBytes) bytes"
        case .truncated(let type):
            "\(type) field runs past the remaining length"
        case .trailingBytes(let type, let count):
            "\(type) has \(count) bytes after its last field"
        case .invalidUTF8(let violation):
            violation.reason
        case .zeroPacketID(let type):
            "\(type) with packet identifier 0"
        case .invalidPublishQoS:
            "PUBLISH with QoS 3"
        case .dupWithQoS0:
            "PUBLISH with DUP set at QoS 0"
        case .invalidTopicName(let violation):
            "topic name: " + violation.reason
        case .invalidTopicFilter(let violation):
            "topic filter: " + violation.reason
        case .invalidProtocolName:
            "CONNECT protocol name is not \"MQTT\""
        case .unacceptableProtocolLevel(let level):
            "CONNECT protocol level \(level), only 4 is supported"
        case .connectReservedFlagSet:
            "CONNECT reserved flag set"
        case .willFlagsWithoutWill:
            "CONNECT will QoS or will retain set without the will flag"
        case .invalidWillQoS:
            "CONNECT will QoS 3"
        case .passwordWithoutUsername:
            "CONNECT password flag without user name flag"
        case .invalidConnAckFlags(let flags):
            "CONNACK reserved acknowledge flags set: \(binary(flags))"
        case .unknownConnectReturnCode(let code):
            "CONNACK reserved return code \(code)"
        case .sessionPresentWithRefusal:
            "CONNACK session present with a refusing return code"
        case .subscribeWithoutFilters:
            "SUBSCRIBE without topic filters"
        case .invalidRequestedQoS(let byte):
            "SUBSCRIBE requested QoS byte \(binary(byte))"
        case .subAckWithoutReturnCodes:
            "SUBACK without return codes"
        case .unknownSubAckReturnCode(let code):
            "SUBACK reserved return code \(code)"
        case .unsubscribeWithoutFilters:
            "UNSUBSCRIBE without topic filters"
        }
    }
}

extension MQTTDecodeError: CustomStringConvertible {
    /// `reason` followed by `specClause`, e.g. "PUBLISH with QoS 3 (MQTT 3.1.1 §3.3.1.2 …)".
    public var description: String {
        "\(reason) (\(specClause))"
    }
}

extension MQTTUTF8Violation {
    var reason: String {
        switch self {
        case .illFormed(let offset): "ill-formed UTF-8 at byte \(offset)"
        case .surrogate(let offset): "UTF-16 surrogate encoded at byte \(offset)"
        case .nullCharacter(let offset): "U+0000 at byte \(offset)"
        case .controlCharacter(let offset): "control character at byte \(offset)"
        case .noncharacter(let offset): "Unicode noncharacter at byte \(offset)"
        }
    }
}

extension MQTTTopicViolation {
    var clause: String {
        switch self {
        case .empty: "§4.7.3 [MQTT-4.7.3-1]"
        case .wildcardInTopicName: "§3.3.2.1 [MQTT-3.3.2-2]"
        case .misplacedMultiLevelWildcard: "§4.7.1.2 [MQTT-4.7.1-2]"
        case .misplacedSingleLevelWildcard: "§4.7.1.3 [MQTT-4.7.1-3]"
        case .nullCharacter: "§4.7.3 [MQTT-4.7.3-2]"
        }
    }

    var reason: String {
        switch self {
        case .empty: "empty"
        case .wildcardInTopicName: "contains a wildcard"
        case .misplacedMultiLevelWildcard: "'#' not alone in the last level"
        case .misplacedSingleLevelWildcard: "'+' not alone in its level"
        case .nullCharacter: "contains U+0000"
        }
    }
}

/// The low four or eight bits as "0b…", for flag fields in log lines.
private func binary(_ value: UInt8) -> String {
    let digits = String(value, radix: 2)
    let width = value < 16 ? 4 : 8
    return "0b" + String(repeating: "0", count: max(0, width - digits.count)) + digits
}
