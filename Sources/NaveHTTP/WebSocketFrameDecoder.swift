/// A resumable WebSocket frame decoder (RFC 6455 §5): feed bytes, take frames out, payloads
/// unmasked. It enforces the framing rules that span frames too: continuation only inside a
/// fragmented message, control frames between fragments allowed, UTF-8 text across fragments.
///
/// Every rule is checked as soon as the bytes that break it are present: a frame's first two
/// bytes settle its flags, opcode and mask, the length field settles the size limits, so a
/// peer cannot make the decoder wait for (or buffer) a frame it will refuse. Work is linear:
/// the at most 14 header bytes are re-read while a frame is incomplete, its payload is copied
/// once when whole, and consumed bytes are dropped in bulk as in `HTTPRequestDecoder`.
///
/// Once `next()` throws the decoder is poisoned; send a close frame with `error.closeCode`
/// (unless the connection is already broken) and close (§7.1.7).
public struct WebSocketFrameDecoder: Sendable {
    /// Which end this decoder serves: a server reads masked client frames, a client reads
    /// unmasked server frames (§5.1).
    public enum Role: Sendable { case server, client }

    /// Large enough for IoT Hub's 256 KiB messages inside MQTT packets split across frames.
    public static let defaultFrameBytesMax = 1 << 20
    public static let defaultMessageBytesMax = 1 << 20

    public let role: Role
    /// The largest payload of one frame, in bytes.
    public let frameBytesMax: Int
    /// The largest sum of payloads of one fragmented message, in bytes.
    public let messageBytesMax: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: WebSocketDecodeError?
    /// The opcode of the fragmented message in progress (text or binary), else nil.
    private var messageOpcode: WebSocketOpcode?
    private var messageBytes = 0
    private var text = UTF8StreamValidator()

    /// - Precondition: `0 <= frameBytesMax`, `0 <= messageBytesMax`, both below 2^62.
    public init(role: Role = .server, frameBytesMax: Int = defaultFrameBytesMax, messageBytesMax: Int = defaultMessageBytesMax) {
        precondition((0..<(1 << 62)).contains(frameBytesMax) && (0..<(1 << 62)).contains(messageBytesMax), "WebSocket limits out of range")
        self.role = role
        self.frameBytesMax = frameBytesMax
        self.messageBytesMax = messageBytesMax
    }

    /// Bytes fed but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes. Ignored once the decoder has failed.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, bytes.count > 0 else { return }
        if readIndex > 0 && readIndex >= buffer.count - readIndex {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes; see `feed(_:)` on raw buffers.
    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// The next complete frame, or nil if more bytes are needed.
    ///
    /// - Throws: the first `WebSocketDecodeError` met, and the same one on every later call.
    public mutating func next() throws(WebSocketDecodeError) -> WebSocketFrame? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            buffer = []
            readIndex = 0
            throw error
        }
    }

    private mutating func step() throws(WebSocketDecodeError) -> WebSocketFrame? {
        guard let header = try parseHeader() else { return nil }
        let frameEnd = readIndex + header.byteCount + header.payloadBytes
        guard buffer.count >= frameEnd else { return nil }
        var payload = Array(buffer[(readIndex + header.byteCount)..<frameEnd])
        if let mask = header.mask {
            for index in payload.indices { payload[index] ^= mask[index & 3] }
        }
        readIndex = frameEnd
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 4_096)
            readIndex = 0
        }
        let frame = WebSocketFrame(fin: header.fin, opcode: header.opcode, payload: payload)
        try checkPayload(frame)
        return frame
    }

    private struct Header {
        var fin: Bool
        var opcode: WebSocketOpcode
        var mask: [UInt8]?
        var payloadBytes: Int
        var byteCount: Int
    }

    /// The header at `readIndex`, or nil if incomplete; throws as soon as the bytes present
    /// break a rule (§5.2).
    private mutating func parseHeader() throws(WebSocketDecodeError) -> Header? {
        let available = bufferedByteCount
        guard available >= 1 else { return nil }
        let first = buffer[readIndex]
        guard first & 0x70 == 0 else { throw .reservedBitsSet }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else { throw .reservedOpcode(first & 0x0F) }
        let fin = first & 0x80 != 0
        try checkSequence(opcode: opcode, fin: fin)
        guard available >= 2 else { return nil }
        let second = buffer[readIndex + 1]
        let masked = second & 0x80 != 0
        if role == .server && !masked { throw .unmaskedClientFrame }
        if role == .client && masked { throw .maskedServerFrame }
        let shortLength = Int(second & 0x7F)
        if opcode.isControl && shortLength > 125 { throw .controlFrameTooLong }
        let lengthBytes = shortLength == 126 ? 2 : shortLength == 127 ? 8 : 0
        guard available >= 2 + lengthBytes else { return nil }
        var length = shortLength
        if lengthBytes > 0 {
            let field = buffer[(readIndex + 2)..<(readIndex + 2 + lengthBytes)]
            if lengthBytes == 8 && field.first! & 0x80 != 0 { throw .lengthTopBitSet }
            var wide: UInt64 = 0
            for byte in field { wide = wide << 8 | UInt64(byte) }
            if wide < (lengthBytes == 2 ? 126 : 65_536) { throw .nonMinimalLength }
            guard wide <= UInt64(frameBytesMax) else { throw .frameTooLarge(frameBytesMax: frameBytesMax) }
            length = Int(wide)
        }
        guard length <= frameBytesMax else { throw .frameTooLarge(frameBytesMax: frameBytesMax) }
        if !opcode.isControl && (opcode == .continuation || !fin) && messageBytes + length > messageBytesMax {
            throw .messageTooLarge(messageBytesMax: messageBytesMax)
        }
        let headerBytes = 2 + lengthBytes + (masked ? 4 : 0)
        guard available >= headerBytes else { return nil }
        let mask = masked ? Array(buffer[(readIndex + headerBytes - 4)..<(readIndex + headerBytes)]) : nil
        return Header(fin: fin, opcode: opcode, mask: mask, payloadBytes: length, byteCount: headerBytes)
    }

    /// Fragmentation rules (§5.4, §5.5) from the first byte alone.
    private func checkSequence(opcode: WebSocketOpcode, fin: Bool) throws(WebSocketDecodeError) {
        switch opcode {
        case .continuation: if messageOpcode == nil { throw .unexpectedContinuation }
        case .text, .binary: if messageOpcode != nil { throw .expectedContinuation }
        case .close, .ping, .pong: if !fin { throw .fragmentedControlFrame }
        }
    }

    /// Updates the message in progress and checks payload contents: close code and reason
    /// (§5.5.1, §7.4), UTF-8 text across fragments (§8.1).
    private mutating func checkPayload(_ frame: WebSocketFrame) throws(WebSocketDecodeError) {
        switch frame.opcode {
        case .close:
            guard frame.payload.count != 1 else { throw .closePayloadTooShort }
            if let code = frame.closeCode, !code.isSendable { throw .invalidCloseCode(code.rawValue) }
            if frame.payload.count > 2, String(validating: frame.payload[2...], as: UTF8.self) == nil { throw .invalidUTF8 }
        case .ping, .pong:
            break
        case .text, .binary, .continuation:
            let opcode = frame.opcode == .continuation ? messageOpcode : frame.opcode
            if opcode == .text, !text.validate(frame.payload, final: frame.fin) { throw .invalidUTF8 }
            if frame.fin {
                messageOpcode = nil
                messageBytes = 0
            } else {
                messageOpcode = opcode
                messageBytes += frame.payload.count
            }
        }
    }
}
