@testable import NaveAMQP
import CNaveProton
import Testing

/// SASL PLAIN's initial response (RFC 4616 §2), through both entry points.
@Suite("SASL PLAIN response")
struct AMQPSASLPlainTests {
    static func parse(_ bytes: [UInt8]) -> (policy: String, key: String)? {
        let plain = bytes.withUnsafeBytes { AMQPSASLServer.parsePlain($0) }
        let proton = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { AMQPSASLServer.parsePlain(pn_bytes_t(size: $0.count, start: $0.baseAddress)) }
        }
        #expect(plain?.policy == proton?.policy && plain?.key == proton?.key, "the two entry points disagree")
        return plain
    }

    @Test("authzid, policy and key; the authzid may be empty")
    func accepted() throws {
        #expect(try #require(Self.parse(Array("\0iothubowner\0key=".utf8))) == ("iothubowner", "key="))
        #expect(try #require(Self.parse(Array("someone\0service\0k".utf8))) == ("service", "k"))
    }

    @Test("refused: empty, no policy, too few parts, an empty password or one holding NUL (RFC 4616 §2)",
          arguments: ["", "\0", "\0\0key", "policy", "a\0b", "\0p\0", "\0p\0k\0with nul"])
    func refused(text: String) {
        #expect(Self.parse(Array(text.utf8)) == nil)
    }
}
