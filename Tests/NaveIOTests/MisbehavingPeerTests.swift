import Glibc
import NaveIO
import Testing

/// Peers that reset, half-close or stop reading cost bounded memory and never stall the loop.
@Suite("Misbehaving peers", .serialized)
struct MisbehavingPeerTests {
    @Test("a reset in the middle of a transfer closes only that connection", arguments: allBackends)
    func resetMidTransfer(backend: EventLoopConfiguration.BackendChoice) throws {
        let recorder = EventRecorder()
        let server = try TestServer(backend: backend) { _ in GreetingHandler(patternBytes(3 << 20), recorder: recorder) }
        defer { server.stop() }
        let victim = try BlockingClient(port: server.port)
        #expect(victim.receive(count: 1000).count == 1000) // the transfer is under way
        victim.reset()
        #expect(eventually { recorder.closeReasons.count == 1 })
        if case .socketError = recorder.closeReasons.first {} else if recorder.closeReasons.first != .endOfInput {
            Issue.record("unexpected close reason \(String(describing: recorder.closeReasons.first))")
        }
        #expect(eventually { server.connectionCount == 0 })
        // The loop goes on serving others.
        let other = try BlockingClient(port: server.port)
        expectSameBytes(other.receive(count: 3 << 20), patternBytes(3 << 20))
    }

    @Test("a half-closed peer still receives what the handler writes after its FIN", arguments: allBackends)
    func halfClose(backend: EventLoopConfiguration.BackendChoice) throws {
        let server = try TestServer(backend: backend) { _ in FarewellHandler() }
        defer { server.stop() }
        let client = try BlockingClient(port: server.port)
        client.send(Array("ping".utf8))
        client.shutdownWrite()
        let reply = client.receiveUntilClosed()
        #expect(String(decoding: reply, as: UTF8.self) == "ping|bye")
        #expect(eventually { server.connectionCount == 0 })
    }

    @Test("a reader that never reads: the engine stops reading it, and memory stays bounded", arguments: allBackends)
    func slowReaderIsBackpressured(backend: EventLoopConfiguration.BackendChoice) throws {
        let highWater = 256 * 1024
        let probe = PendingProbe()
        let server = try TestServer(backend: backend, loops: 1, configure: {
            $0.outboundHighWaterBytes = highWater
            $0.outboundLowWaterBytes = 64 * 1024
        }) { _ in ProbingEcho(probe) }
        defer { server.stop() }
        let client = try BlockingClient(port: server.port)
        // Send 64 MiB without reading a byte back; the client's send blocks (10 s timeout) once
        // the server stops reading and the kernel's buffers are full.
        var nonBlocking = fcntl(client.fd, F_GETFL)
        nonBlocking |= O_NONBLOCK
        _ = fcntl(client.fd, F_SETFL, nonBlocking)
        let chunk = patternBytes(64 * 1024)
        var sent = 0
        let deadline = monotonicNanos() + 2_000_000_000
        while sent < 64 << 20, monotonicNanos() < deadline {
            let written = chunk.withUnsafeBytes { Glibc.send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 { sent += written } else { usleep(1000) }
        }
        #expect(sent < 64 << 20, "the server kept reading a peer that never reads")
        // io_uring may deliver the receives already completed in the same batch before the
        // cancel of the multishot receive takes effect: bounded by one completion batch.
        #expect(probe.maximumPending <= highWater + 4 << 20)
        #expect(server.connectionCount == 1)
    }

    @Test("output past outboundBytesMax closes the connection", arguments: allBackends)
    func outboundLimitCloses(backend: EventLoopConfiguration.BackendChoice) throws {
        let recorder = EventRecorder()
        let server = try TestServer(backend: backend, configure: {
            $0.outboundBytesMax = 1 << 20
            $0.outboundHighWaterBytes = 512 * 1024
        }) { _ in GreetingHandler(patternBytes(24 << 20), recorder: recorder) }
        defer { server.stop() }
        let client = try BlockingClient(port: server.port)
        #expect(eventually { recorder.closeReasons == [.outboundLimitExceeded] })
        #expect(eventually { server.connectionCount == 0 })
        _ = client
    }

    @Test("a close waiting to flush to a peer that never reads is reset after closeFlushTimeoutMillis", arguments: allBackends)
    func closeFlushIsBounded(backend: EventLoopConfiguration.BackendChoice) throws {
        // More than loopback's socket buffers on both ends hold, so the flush can never finish.
        let payloadBytes = 32 << 20
        let recorder = EventRecorder()
        let server = try TestServer(backend: backend, loops: 1, configure: {
            $0.outboundBytesMax = 64 << 20
            $0.outboundHighWaterBytes = 48 << 20
            $0.closeFlushTimeoutMillis = 300
        }) { _ in ClosingGreeter(patternBytes(payloadBytes), recorder: recorder) }
        defer { server.stop() }
        let client = try BlockingClient(port: server.port)
        #expect(eventually { recorder.activeCount == 1 })
        // Without the bound the socket and its 32 MiB stay for as long as the client does.
        #expect(eventually { server.connectionCount == 0 }, "the close still waits for a peer that does not read")
        #expect(recorder.closeReasons == [.local])
        let loop = server.group.loops[0]
        #expect(eventually { loop.submitAndWait { loop.queuedOutboundBytes } == 0 }, "queued chunks were not freed")
        _ = client
    }
}

/// Writes its payload as soon as the connection is up, then closes (a close that must flush).
final class ClosingGreeter: ConnectionHandler {
    let payload: [UInt8]
    let recorder: EventRecorder

    init(_ payload: [UInt8], recorder: EventRecorder) {
        self.payload = payload
        self.recorder = recorder
    }

    func connectionActive(_ connection: Connection) {
        recorder.active()
        payload.withUnsafeBytes { connection.write($0) }
        connection.close()
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {}

    func connectionDidClose(_ connection: Connection, reason: CloseReason) { recorder.closed(reason) }
}

/// Echoes, then answers the peer's FIN with "|bye" and a close.
final class FarewellHandler: ConnectionHandler {
    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) { connection.write(bytes) }

    func connectionDidReachEndOfInput(_ connection: Connection) {
        Array("|bye".utf8).withUnsafeBytes { connection.write($0) }
        connection.close()
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {}
}

/// Echoes and records the largest outbound queue seen.
final class ProbingEcho: ConnectionHandler {
    let probe: PendingProbe
    init(_ probe: PendingProbe) { self.probe = probe }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        connection.write(bytes)
        probe.observe(connection.pendingOutboundBytes)
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {}
}

import Synchronization

final class PendingProbe: Sendable {
    private let maximum = Atomic<Int>(0)
    func observe(_ value: Int) {
        var current = maximum.load(ordering: .relaxed)
        while value > current {
            let (exchanged, original) = maximum.compareExchange(expected: current, desired: value, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
    var maximumPending: Int { maximum.load(ordering: .relaxed) }
}
