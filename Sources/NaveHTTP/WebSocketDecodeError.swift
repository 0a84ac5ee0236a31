/// Why received bytes are not an acceptable WebSocket frame sequence (RFC 6455 §5), and the
/// close code to fail the connection with (§7.1.7, §7.4.1).
public enum WebSocketDecodeError: Error, Sendable, Hashable {
    /// RSV1–3 set with no extension negotiated (§5.2).
    case reservedBitsSet
    /// Opcode 3–7 or 0xB–0xF (§5.2).
    case reservedOpcode(UInt8)
    /// A client frame without a mask (§5.1: the server MUST close).
    case unmaskedClientFrame
    /// A server frame with a mask (§5.1: the client MUST close).
    case maskedServerFrame
    /// A control frame with more than 125 bytes of payload (§5.5).
    case controlFrameTooLong
    /// A control frame without FIN (§5.5).
    case fragmentedControlFrame
    /// A length in more bytes than needed (§5.2: "the minimal number of bytes MUST be used").
    case nonMinimalLength
    /// A 64-bit length with its most significant bit set (§5.2).
    case lengthTopBitSet
    /// A frame payload over `frameBytesMax`, refused from the header alone.
    case frameTooLarge(frameBytesMax: Int)
    /// A fragmented message over `messageBytesMax`, refused from the header alone.
    case messageTooLarge(messageBytesMax: Int)
    /// A continuation frame with no message in progress (§5.4).
    case unexpectedContinuation
    /// A text or binary frame while a fragmented message is in progress (§5.4).
    case expectedContinuation
    /// A close frame with a one-byte payload (§5.5.1: a body starts with a two-byte code).
    case closePayloadTooShort
    /// A close code that is not sendable (§7.4.1, §7.4.2).
    case invalidCloseCode(UInt16)
    /// A close reason or text message that is not UTF-8 (§5.5.1, §8.1).
    case invalidUTF8

    /// The close code to send before closing the connection.
    public var closeCode: WebSocketCloseCode {
        switch self {
        case .frameTooLarge, .messageTooLarge: .messageTooBig
        case .invalidUTF8: .invalidPayloadData
        default: .protocolError
        }
    }

    /// A log line naming the rule and clause (never payload contents).
    public var reason: String {
        switch self {
        case .reservedBitsSet: "reserved bits set (RFC 6455 §5.2)"
        case .reservedOpcode(let opcode): "reserved opcode \(opcode) (RFC 6455 §5.2)"
        case .unmaskedClientFrame: "client frame not masked (RFC 6455 §5.1)"
        case .maskedServerFrame: "server frame masked (RFC 6455 §5.1)"
        case .controlFrameTooLong: "control frame over 125 bytes (RFC 6455 §5.5)"
        case .fragmentedControlFrame: "fragmented control frame (RFC 6455 §5.5)"
        case .nonMinimalLength: "payload length not in minimal form (RFC 6455 §5.2)"
        case .lengthTopBitSet: "64-bit payload length with top bit set (RFC 6455 §5.2)"
        case .frameTooLarge(let max): "frame payload over \(max) bytes"
        case .messageTooLarge(let max): "message over \(max) bytes"
        case .unexpectedContinuation: "continuation without a message in progress (RFC 6455 §5.4)"
        case .expectedContinuation: "new data frame inside a fragmented message (RFC 6455 §5.4)"
        case .closePayloadTooShort: "close payload of one byte (RFC 6455 §5.5.1)"
        case .invalidCloseCode(let code): "close code \(code) not allowed (RFC 6455 §7.4)"
        case .invalidUTF8: "text not UTF-8 (RFC 6455 §8.1)"
        }
    }
}
