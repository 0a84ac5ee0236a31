import CNaveProton
import Glibc
@testable import NaveAMQP
import NaveIO
import Synchronization
import NaveSocketTestSupport
import Testing

/// The Proton spike over loopback (issue #13): Nave's server on one loop, Proton clients on
/// another (the same connection driver, in client role), and raw sockets for what a client
/// library would never send.
@Suite("AMQP spike (Proton-C on NaveIO)", .serialized)
struct AMQPSpikeTests {
    @Test("a SASL ANONYMOUS receiver gets settled 256-byte messages as fast as its credit allows")
    func receiverGetsMessages() throws {
        let server = try SpikeServer()
        defer { server.stop() }
        let recorder = ClientRecorder()
        server.connectClient(recorder, mode: .receive(address: "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/0", credit: 300))
        #expect(eventually { recorder.state.withLock { $0.bodies >= 5_000 } })
        let state = recorder.state.withLock { $0 }
        #expect(state.attached)
        #expect(state.badBodies == 0)
        #expect(state.malformed == 0)
        #expect(!state.closed)
    }

    @Test("a sender's messages are accepted and settled (the C2D direction)")
    func senderIsAccepted() throws {
        let server = try SpikeServer()
        defer { server.stop() }
        let recorder = ClientRecorder()
        server.connectClient(recorder, mode: .send(address: "amqps://localhost/messages/devicebound"))
        #expect(eventually { recorder.state.withLock { $0.accepted >= 5_000 } })
    }

    @Test("sasl-mechanisms offers MSSBCBS, ANONYMOUS and PLAIN (contract §5.1, §6.2)")
    func mechanismsOffered() throws {
        let server = try SpikeServer()
        defer { server.stop() }
        let client = try BlockingClient(port: server.port)
        client.send(Array("AMQP".utf8) + [3, 1, 0, 0])
        // The header echo (8 bytes), then one sasl-mechanisms frame: its size is its first word.
        let header = client.receive(count: 8)
        #expect(header == Array("AMQP".utf8) + [3, 1, 0, 0])
        let sizeBytes = client.receive(count: 4)
        try #require(sizeBytes.count == 4)
        let size = sizeBytes.reduce(0) { $0 << 8 | Int($1) }
        let frame = client.receive(count: size - 4)
        let text = String(decoding: frame.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: " ") }, as: UTF8.self)
        for mechanism in ["MSSBCBS", "ANONYMOUS", "PLAIN"] {
            #expect(text.contains(mechanism), "sasl-mechanisms lacks \(mechanism): \(text)")
        }
        // Descriptor 0x40 (sasl-mechanisms, AMQP 1.0 §5.3.3.1) and an array of symbols (0xE0 or 0xF0).
        #expect(frame.count > 8 && frame[4] == 0x00 && frame[5] == 0x53 && frame[6] == 0x40)
        #expect(frame.contains(0xE0) || frame.contains(0xF0))
    }

    @Test("bytes that are not an AMQP header close that connection; the server goes on serving")
    func garbageClosesConnection() throws {
        let server = try SpikeServer()
        defer { server.stop() }
        for garbage in [Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), [UInt8](repeating: 0xFF, count: 4096),
                        Array("AMQP".utf8) + [3, 1, 0, 0] + [UInt8](repeating: 0xAB, count: 512)] {
            let client = try BlockingClient(port: server.port)
            client.send(garbage)
            // Whatever Proton answers (a header, a close frame), the server then closes.
            let answer = client.receiveUntilClosed()
            if answer.count < 8 || answer.count > 4096 { Issue.record("garbage \(garbage.prefix(8)): answered \(answer.count) bytes") }
            #expect(client.isClosedByPeer(withinMillis: 0), "the server closed within 10 s")
        }
        // A client that drops TCP mid-stream, without an AMQP close, is normal (contract §6.1).
        let dropped = ClientRecorder()
        server.connectClient(dropped, mode: .receive(address: "p0", credit: 300))
        #expect(eventually { dropped.state.withLock { $0.bodies >= 100 } })
        let reset = try BlockingClient(port: server.port)
        reset.send(Array("AMQP".utf8) + [3, 1, 0, 0])
        reset.reset()
        // Still serving.
        let recorder = ClientRecorder()
        server.connectClient(recorder, mode: .receive(address: "p1", credit: 100))
        #expect(eventually { recorder.state.withLock { $0.bodies >= 1_000 } })
    }

    @Test("PLAIN's initial response splits into policy and key (RFC 4616 §2)")
    func plainResponse() {
        func parse(_ bytes: [UInt8]) -> (String, String)? {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    AMQPSASLServer.parsePlain(pn_bytes_t(size: $0.count, start: $0.baseAddress))
                }
            }
        }
        let parsed = parse([0] + Array("iothubowner".utf8) + [0] + Array("a2V5".utf8))
        #expect(parsed?.0 == "iothubowner" && parsed?.1 == "a2V5")
        let withAuthzid = parse(Array("z".utf8) + [0, UInt8(ascii: "p"), 0, UInt8(ascii: "k")])
        #expect(withAuthzid?.0 == "p" && withAuthzid?.1 == "k")
        #expect(parse([]) == nil)
        #expect(parse([0, 0, UInt8(ascii: "k")]) == nil) // no policy name
        #expect(parse(Array("only-one-part".utf8)) == nil)
    }
}

/// What a spike client saw, shared with the test thread.
final class ClientRecorder: Sendable {
    struct State {
        var attached = false
        var bodies = 0
        var badBodies = 0
        var malformed = 0
        var accepted = 0
        var closed = false
    }
    let state = Mutex(State())

    /// The spike body: 8 bytes of stamp, then the byte pattern of its position.
    static func isSpikeBody(_ body: UnsafeRawBufferPointer) -> Bool {
        body.count == AMQPSpikeMessage.bodyBytes
            && body.indices.dropFirst(8).allSatisfy { body[$0] == UInt8(truncatingIfNeeded: $0) }
    }
}

/// Nave's spike server on loop 0 of a two-loop group; clients connect from loop 1.
final class SpikeServer: Sendable {
    let group: EventLoopGroup
    let port: Int

    init() throws {
        group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 2))
        let sasl = AMQPSASLServer()
        let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { _ in
            AMQPConnectionHandler(role: .server(sasl), application: AMQPSpikeServer())
        }
        port = listener.address.port
    }

    func connectClient(_ recorder: ClientRecorder, mode: AMQPSpikeClient.Mode) {
        let loop = group.loops[1]
        let address = SocketAddress(host: "127.0.0.1", port: port)!
        nonisolated(unsafe) let mode = mode
        loop.execute {
            let client = AMQPSpikeClient(mode: mode)
            client.onAttached = { recorder.state.withLock { $0.attached = true } }
            client.onMessage = { body in
                let good = ClientRecorder.isSpikeBody(body)
                recorder.state.withLock { good ? ($0.bodies += 1) : ($0.badBodies += 1) }
            }
            client.onAccepted = { recorder.state.withLock { $0.accepted += 1 } }
            client.onClose = { recorder.state.withLock { $0.closed = true } }
            client.onMalformed = { recorder.state.withLock { $0.malformed += 1 } }
            loop.connect(to: address, handler: AMQPConnectionHandler(role: .client(containerID: "spike-test", hostname: "localhost"),
                                                                      application: client))
        }
    }

    func stop() { group.shutdownGracefully(gracePeriod: .milliseconds(200)) }
}

