/// A frame's opcode (RFC 6455 §5.2); 3–7 and 0xB–0xF are reserved and refused by the decoder.
public enum WebSocketOpcode: UInt8, Sendable, Hashable, CaseIterable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Close, ping and pong: at most 125 bytes, never fragmented (RFC 6455 §5.5).
    public var isControl: Bool { rawValue & 0x8 != 0 }
}

/// One frame with its payload already unmasked. Data frames may be fragments of a message:
/// the first has opcode text or binary, later ones continuation, the last `fin` (§5.4).
public struct WebSocketFrame: Sendable, Hashable {
    public var fin: Bool
    public var opcode: WebSocketOpcode
    public var payload: [UInt8]

    public init(fin: Bool = true, opcode: WebSocketOpcode, payload: [UInt8] = []) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }

    /// The status code of a close frame (nil when its payload is empty), assuming the decoder
    /// validated it (§5.5.1).
    public var closeCode: WebSocketCloseCode? {
        guard opcode == .close, payload.count >= 2 else { return nil }
        return WebSocketCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
    }

    /// The UTF-8 reason after a close frame's status code (§5.5.1), "" when absent.
    public var closeReason: String {
        guard opcode == .close, payload.count > 2 else { return "" }
        return String(decoding: payload[2...], as: UTF8.self)
    }
}

/// A close frame's status code (RFC 6455 §7.4).
public struct WebSocketCloseCode: RawRepresentable, Sendable, Hashable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let normalClosure = WebSocketCloseCode(rawValue: 1000)
    public static let goingAway = WebSocketCloseCode(rawValue: 1001)
    public static let protocolError = WebSocketCloseCode(rawValue: 1002)
    public static let unsupportedData = WebSocketCloseCode(rawValue: 1003)
    public static let invalidPayloadData = WebSocketCloseCode(rawValue: 1007)
    public static let policyViolation = WebSocketCloseCode(rawValue: 1008)
    public static let messageTooBig = WebSocketCloseCode(rawValue: 1009)
    public static let mandatoryExtension = WebSocketCloseCode(rawValue: 1010)
    public static let internalError = WebSocketCloseCode(rawValue: 1011)

    /// Whether the code may appear in a close frame: 1000–1003 and 1007–1011 from §7.4.1,
    /// 1012–1014 registered since in IANA's table, and 3000–4999 for libraries and
    /// applications (§7.4.2). 1004–1006 and 1015 are reserved for reporting, never sent.
    public var isSendable: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
