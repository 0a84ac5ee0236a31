/// Writes WebSocket frames into a caller's buffer (RFC 6455 §5.2): lengths in minimal form,
/// unmasked from a server, masked with the caller's key from a client (§5.1, §5.3: the key
/// must come from a strong random source, which this module does not own).
public enum WebSocketFrameEncoder {
    /// Appends one frame.
    ///
    /// - Precondition: a control frame is final and carries at most 125 bytes (§5.5);
    ///   `maskingKey`, if given, is 4 bytes.
    public static func encode(
        opcode: WebSocketOpcode,
        fin: Bool = true,
        payload: some Collection<UInt8>,
        maskingKey: [UInt8]? = nil,
        into buffer: inout [UInt8]
    ) {
        precondition(!opcode.isControl || (fin && payload.count <= 125), "control frames are final and at most 125 bytes")
        precondition(maskingKey == nil || maskingKey!.count == 4, "a masking key is 4 bytes")
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        buffer.append((fin ? 0x80 : 0) | opcode.rawValue)
        let count = payload.count
        switch count {
        case ..<126:
            buffer.append(maskBit | UInt8(count))
        case ..<65_536:
            buffer.append(maskBit | 126)
            buffer.append(UInt8(truncatingIfNeeded: count >> 8))
            buffer.append(UInt8(truncatingIfNeeded: count))
        default:
            buffer.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: count >> shift)) }
        }
        guard let maskingKey else {
            buffer.append(contentsOf: payload)
            return
        }
        buffer.append(contentsOf: maskingKey)
        for (index, byte) in payload.enumerated() { buffer.append(byte ^ maskingKey[index & 3]) }
    }

    /// The size `encode` writes for a payload of `payloadBytes`.
    public static func encodedByteCount(payloadBytes: Int, masked: Bool = false) -> Int {
        let lengthBytes = payloadBytes < 126 ? 0 : payloadBytes < 65_536 ? 2 : 8
        return 2 + lengthBytes + (masked ? 4 : 0) + payloadBytes
    }

    /// Appends a close frame: the code and a UTF-8 reason, or an empty body when `code` is nil
    /// (§5.5.1).
    ///
    /// - Precondition: `code` is sendable (§7.4) and the reason fits the 123 bytes left.
    public static func encodeClose(code: WebSocketCloseCode?, reason: String = "", maskingKey: [UInt8]? = nil, into buffer: inout [UInt8]) {
        var payload: [UInt8] = []
        if let code {
            precondition(code.isSendable, "close code \(code.rawValue) may not be sent")
            payload = [UInt8(code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)] + Array(reason.utf8)
        } else {
            precondition(reason.isEmpty, "a close reason needs a code")
        }
        encode(opcode: .close, payload: payload, maskingKey: maskingKey, into: &buffer)
    }
}
