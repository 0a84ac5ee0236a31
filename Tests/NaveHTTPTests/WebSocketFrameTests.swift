import NaveCodecTestSupport
import NaveHTTP
import Testing

/// Encodes `frames` as a client would: masked with a key derived from the index.
func clientBytes(_ frames: [WebSocketFrame]) -> [UInt8] {
    var bytes: [UInt8] = []
    for (index, frame) in frames.enumerated() {
        let key: [UInt8] = [UInt8(truncatingIfNeeded: index), 0x5A, 0xA5, 0xFF]
        WebSocketFrameEncoder.encode(opcode: frame.opcode, fin: frame.fin, payload: frame.payload, maskingKey: key, into: &bytes)
    }
    return bytes
}

@Suite("WebSocket frames")
struct WebSocketFrameTests {
    static let sequences: [[WebSocketFrame]] = [
        [WebSocketFrame(opcode: .binary, payload: [0x10, 0x0C, 0x00, 0x04] + ascii("MQTT"))],
        [WebSocketFrame(opcode: .text, payload: ascii("Hello"))],
        [WebSocketFrame(opcode: .binary, payload: [])],
        [WebSocketFrame(opcode: .binary, payload: [UInt8](repeating: 0xAB, count: 125))],
        [WebSocketFrame(opcode: .binary, payload: [UInt8](repeating: 0xCD, count: 126))],
        [WebSocketFrame(opcode: .binary, payload: (0..<65_535).map { UInt8(truncatingIfNeeded: $0) })],
        [WebSocketFrame(opcode: .binary, payload: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 3) })],
        // Fragmented text with a ping between fragments and "é" split across them (§5.4, §5.5).
        [
            WebSocketFrame(fin: false, opcode: .text, payload: ascii("caf") + [0xC3]),
            WebSocketFrame(opcode: .ping, payload: ascii("p")),
            WebSocketFrame(fin: false, opcode: .continuation, payload: [0xA9]),
            WebSocketFrame(opcode: .continuation, payload: ascii("!")),
        ],
        [WebSocketFrame(fin: false, opcode: .binary, payload: [1]), WebSocketFrame(opcode: .continuation, payload: [])],
        [WebSocketFrame(opcode: .pong, payload: [UInt8](repeating: 1, count: 125))],
        [WebSocketFrame(opcode: .close, payload: [])],
        [WebSocketFrame(opcode: .close, payload: [0x03, 0xE8] + ascii("bye"))],
        [WebSocketFrame(opcode: .close, payload: [0x0F, 0xA0])],  // 4000, application range
    ]

    @Test("the RFC 6455 §5.7 examples")
    func rfcExamples() {
        // A single-frame unmasked text message "Hello", as a client decoder reads it.
        #expect(WebSocketFrameDecoder(role: .client).decodeAll([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]).messages
            == [WebSocketFrame(opcode: .text, payload: ascii("Hello"))])
        // The masked one a server reads.
        #expect(WebSocketFrameDecoder().decodeAll([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]).messages
            == [WebSocketFrame(opcode: .text, payload: ascii("Hello"))])
        // Fragmented unmasked text "Hel" "lo".
        #expect(WebSocketFrameDecoder(role: .client).decodeAll([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F]).messages
            == [WebSocketFrame(fin: false, opcode: .text, payload: ascii("Hel")), WebSocketFrame(opcode: .continuation, payload: ascii("lo"))])
        // A 256-byte binary frame uses the 16-bit length.
        var encoded: [UInt8] = []
        WebSocketFrameEncoder.encode(opcode: .binary, payload: [UInt8](repeating: 0, count: 256), into: &encoded)
        #expect(Array(encoded.prefix(4)) == [0x82, 0x7E, 0x01, 0x00])
        #expect(encoded.count == WebSocketFrameEncoder.encodedByteCount(payloadBytes: 256))
    }

    @Test("masked client frames round-trip: whole, drip-fed with junk, concatenated, random chunks", arguments: 0..<sequences.count)
    func roundTrip(_ index: Int) {
        let frames = Self.sequences[index]
        DecoderVerifier.verify([(clientBytes(frames), frames)], decoder: WebSocketFrameDecoder(), seed: UInt64(index))
    }

    @Test("server frames are unmasked and round-trip through a client decoder", arguments: 0..<sequences.count)
    func serverFrames(_ index: Int) {
        var bytes: [UInt8] = []
        for frame in Self.sequences[index] {
            let start = bytes.count
            WebSocketFrameEncoder.encode(opcode: frame.opcode, fin: frame.fin, payload: frame.payload, into: &bytes)
            #expect(bytes[start + 1] & 0x80 == 0)
            #expect(bytes.count - start == WebSocketFrameEncoder.encodedByteCount(payloadBytes: frame.payload.count))
        }
        DecoderVerifier.verify([(bytes, Self.sequences[index])], decoder: WebSocketFrameDecoder(role: .client), seed: UInt64(index))
    }

    @Test("close frames: code and reason read back")
    func closeFrames() {
        var bytes: [UInt8] = []
        WebSocketFrameEncoder.encodeClose(code: .messageTooBig, reason: "too big", into: &bytes)
        let frame = WebSocketFrameDecoder(role: .client).decodeAll(bytes).messages.first
        #expect(frame?.closeCode == .messageTooBig)
        #expect(frame?.closeReason == "too big")
        #expect(!WebSocketCloseCode(rawValue: 1005).isSendable && !WebSocketCloseCode(rawValue: 1006).isSendable)
    }
}
