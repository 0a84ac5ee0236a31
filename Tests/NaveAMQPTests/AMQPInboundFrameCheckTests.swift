@testable import NaveAMQP
import Testing

/// The client's frames are judged before Proton reads them (Proton 0.37 drops an undecodable
/// or unknown performative without a word).
@Suite("AMQP inbound frame check")
struct AMQPInboundFrameCheckTests {
    static let amqpHeader: [UInt8] = Array("AMQP".utf8) + [0, 1, 0, 0]
    static let saslHeader: [UInt8] = Array("AMQP".utf8) + [3, 1, 0, 0]

    static func frame(type: UInt8 = 0, _ body: [UInt8]) -> [UInt8] {
        let size = 8 + body.count
        return [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF), 2, type, 0, 0] + body
    }

    /// Checks `bytes` fed in `chunk`-byte pieces; the first refusal's condition, or nil.
    static func verdict(_ bytes: [UInt8], chunk: Int = .max, frameBytesMax: Int = 65_536) -> String? {
        var check = AMQPInboundFrameCheck(frameBytesMax: frameBytesMax)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, min(chunk, bytes.count)))
            if let refusal = bytes[start..<end].withUnsafeBytes({ check.check($0) }) { return refusal.condition }
            start = end
        }
        return nil
    }

    static let goodStream: [UInt8] = saslHeader
        + frame(type: 1, [0x00, 0x53, 0x41, 0xC0, 0x0C, 0x01, 0xA3, 0x09] + Array("ANONYMOUS".utf8.prefix(3)) + [0x40, 0x40, 0x40, 0x40, 0x40, 0x40])
        + amqpHeader
        + frame([0x00, 0x53, 0x10, 0xC0, 0x03, 0x01, 0xA1, 0x00])       // open(container-id "")
        + frame([])                                                      // heartbeat
        + frame([0x00, 0x53, 0x14, 0xC0, 0x02, 0x01, 0x43] + [0x00, 0x53, 0x75, 0xA0, 0x01, 0x61])  // transfer + payload
        + frame([0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x18, 0x45])          // close, ulong descriptor, list0

    @Test("a well-formed stream passes, whole or split at every byte")
    func wellFormed() {
        #expect(Self.verdict(Self.goodStream) == nil)
        for chunk in 1...9 { #expect(Self.verdict(Self.goodStream, chunk: chunk) == nil, "chunk \(chunk)") }
    }

    @Test("undecodable bodies, unknown performatives and lists past their frame are decode errors, split or not",
          arguments: [
              [0xFF, 0xFF, 0xFF, 0xFF],                               // not described
              [0x00, 0x53, 0x77, 0x45],                               // unknown performative
              [0x00, 0x53, 0x41, 0x45],                               // a SASL performative in an AMQP frame
              [0x00, 0x53, 0x10, 0xC0, 0x10, 0x05],                   // list8 longer than the frame
              [0x00, 0x53, 0x10, 0xD0, 0x00, 0x01, 0x00, 0x00, 0x00], // list32 longer than the frame
              [0x00, 0x53, 0x10, 0xA1, 0x00],                         // fields not a list
          ] as [[UInt8]])
    func malformed(body: [UInt8]) {
        let stream = Self.amqpHeader + Self.frame(body)
        #expect(Self.verdict(stream) == "amqp:decode-error")
        #expect(Self.verdict(stream, chunk: 1) == "amqp:decode-error")
    }

    @Test("a bad header, a frame over max-frame-size or of another type is a framing error")
    func framing() {
        #expect(Self.verdict(Self.amqpHeader + [0, 0, 0, 4, 2, 0, 0, 0]) == "amqp:connection:framing-error")
        #expect(Self.verdict(Self.amqpHeader + [0, 0, 0, 16, 1, 0, 0, 0] + [UInt8](repeating: 0, count: 8)) == "amqp:connection:framing-error")
        #expect(Self.verdict(Self.amqpHeader + [0x80, 0, 0, 0, 2, 0, 0, 0]) == "amqp:connection:framing-error")
        #expect(Self.verdict(Self.amqpHeader + Self.frame(type: 7, [0x00, 0x53, 0x10, 0x45])) == "amqp:connection:framing-error")
        #expect(Self.verdict(Self.amqpHeader + Self.frame([0x00, 0x53, 0x10, 0x45]), frameBytesMax: 8) == "amqp:connection:framing-error")
    }

    @Test("a stream that does not start with a protocol header is left to Proton, which refuses it itself")
    func wrongHeaderLeftToProton() {
        #expect(Self.verdict(Array("GET / HTTP/1.1\r\n".utf8) + Self.frame([0xFF])) == nil)
    }
}
