import NaveCodecTestSupport
import NaveHTTP
import Testing

/// Frames a server must refuse (RFC 6455 §5, §7.4, §8.1), each with its close code.
struct MalformedFrames: CustomStringConvertible, Sendable {
    var reason: String
    var bytes: [UInt8]
    var error: WebSocketDecodeError
    var decoder = WebSocketFrameDecoder()

    var description: String { reason }
}

private let key: [UInt8] = [1, 2, 3, 4]

/// A masked client frame with an arbitrary first byte and payload.
private func frame(_ first: UInt8, _ payload: [UInt8] = []) -> [UInt8] {
    precondition(payload.count < 126)
    return [first, 0x80 | UInt8(payload.count)] + key + payload.enumerated().map { $1 ^ key[$0 & 3] }
}

let malformedFrames: [MalformedFrames] = [
    MalformedFrames(reason: "RSV1 set without an extension", bytes: frame(0xC2), error: .reservedBitsSet),
    MalformedFrames(reason: "RSV3 set", bytes: frame(0x92), error: .reservedBitsSet),
    MalformedFrames(reason: "reserved data opcode 3", bytes: frame(0x83), error: .reservedOpcode(3)),
    MalformedFrames(reason: "reserved control opcode 0xB", bytes: frame(0x8B), error: .reservedOpcode(0xB)),
    MalformedFrames(reason: "unmasked client frame", bytes: [0x82, 0x01, 0x00], error: .unmaskedClientFrame),
    MalformedFrames(reason: "masked server frame", bytes: frame(0x82, [0]), error: .maskedServerFrame, decoder: WebSocketFrameDecoder(role: .client)),
    MalformedFrames(reason: "ping of 126 bytes", bytes: [0x89, 0xFE, 0x00, 0x7E], error: .controlFrameTooLong),
    MalformedFrames(reason: "fragmented ping", bytes: frame(0x09, [1]), error: .fragmentedControlFrame),
    MalformedFrames(reason: "16-bit length for 5 bytes", bytes: [0x82, 0xFE, 0x00, 0x05], error: .nonMinimalLength),
    MalformedFrames(reason: "64-bit length for 300 bytes", bytes: [0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x2C], error: .nonMinimalLength),
    MalformedFrames(reason: "64-bit length with the top bit set", bytes: [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], error: .lengthTopBitSet),
    MalformedFrames(
        reason: "frame over frameBytesMax, refused from its header",
        bytes: [0x82, 0xFE, 0x04, 0x01], error: .frameTooLarge(frameBytesMax: 1024),
        decoder: WebSocketFrameDecoder(frameBytesMax: 1024)
    ),
    MalformedFrames(reason: "2^62-byte frame against the default limit", bytes: [0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0], error: .frameTooLarge(frameBytesMax: WebSocketFrameDecoder.defaultFrameBytesMax)),
    MalformedFrames(
        reason: "fragments summing over messageBytesMax",
        bytes: frame(0x02, [UInt8](repeating: 0, count: 100)) + [0x00, 0xFE, 0x00, 0x80], error: .messageTooLarge(messageBytesMax: 200),
        decoder: WebSocketFrameDecoder(messageBytesMax: 200)
    ),
    MalformedFrames(reason: "continuation with no message", bytes: frame(0x80, [1]), error: .unexpectedContinuation),
    MalformedFrames(reason: "binary frame inside a fragmented text message", bytes: frame(0x01, ascii("a")) + frame(0x82, [1]), error: .expectedContinuation),
    MalformedFrames(reason: "close with a one-byte body", bytes: frame(0x88, [0x03]), error: .closePayloadTooShort),
    MalformedFrames(reason: "close code 1005 is never sent", bytes: frame(0x88, [0x03, 0xED]), error: .invalidCloseCode(1005)),
    MalformedFrames(reason: "close code 999", bytes: frame(0x88, [0x03, 0xE7]), error: .invalidCloseCode(999)),
    MalformedFrames(reason: "close code 5000", bytes: frame(0x88, [0x13, 0x88]), error: .invalidCloseCode(5000)),
    MalformedFrames(reason: "close reason not UTF-8", bytes: frame(0x88, [0x03, 0xE8, 0xFF]), error: .invalidUTF8),
    MalformedFrames(reason: "text not UTF-8", bytes: frame(0x81, [0x61, 0xC0, 0x80]), error: .invalidUTF8),
    MalformedFrames(reason: "text ending mid-sequence", bytes: frame(0x01, [0xE2, 0x82]) + frame(0x80, []), error: .invalidUTF8),
    MalformedFrames(reason: "text fragment with an encoded surrogate", bytes: frame(0x01, ascii("ok")) + frame(0x80, [0xED, 0xA0, 0x80]), error: .invalidUTF8),
]

@Suite("Malformed WebSocket frames")
struct WebSocketMalformedTests {
    @Test("fed whole, drip-fed with junk and in random chunks: the same error and close code; poisoned after",
          arguments: malformedFrames)
    func refused(_ fixture: MalformedFrames) {
        // Then a frame the decoder's role would otherwise accept: masked from a client, plain from a server.
        var valid: [UInt8] = []
        WebSocketFrameEncoder.encode(opcode: .binary, payload: [1], maskingKey: fixture.decoder.role == .server ? [9, 8, 7, 6] : nil, into: &valid)
        DecoderVerifier.verifyRefusal(fixture.bytes, error: fixture.error, decoder: fixture.decoder, thenFeeding: valid, seed: 0x5753)
        let expectedCode: WebSocketCloseCode = switch fixture.error {
        case .frameTooLarge, .messageTooLarge: .messageTooBig
        case .invalidUTF8: .invalidPayloadData
        default: .protocolError
        }
        #expect(fixture.error.closeCode == expectedCode)
        #expect(!fixture.error.reason.isEmpty)
    }
}
