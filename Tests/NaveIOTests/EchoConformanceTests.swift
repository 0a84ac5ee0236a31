import Glibc
import NaveIO
import Testing

/// The engine's contract, run against io_uring and epoll alike.
@Suite("Echo conformance", .serialized)
struct EchoConformanceTests {
    @Test("bytes come back intact, in order, across partial reads and writes", arguments: allBackends)
    func echoesLargeAndSmallWrites(backend: EventLoopConfiguration.BackendChoice) throws {
        let server = try TestServer(backend: backend) { _ in EchoHandler() }
        defer { server.stop() }
        let client = try BlockingClient(port: server.port)
        for size in [1, 63, 64, 4096, 16 * 1024 + 7, 1 << 20, 3 * (1 << 20) + 5] {
            let payload = patternBytes(size, seed: UInt8(size % 251))
            // Send from another thread: 3 MiB does not fit in the socket buffers, so the echo is
            // read while it is still being written (the server sees partial reads, and its sends
            // complete partially).
            let sender = Thread { client.send(payload) }
            let echoed = client.receive(count: size)
            sender.join()
            expectSameBytes(echoed, payload, "size \(size)")
        }
    }

    @Test("a connect to a closed port reports connectFailed", arguments: allBackends)
    func connectFailure(backend: EventLoopConfiguration.BackendChoice) throws {
        let group = try makeGroup(backend: backend, loops: 1)
        defer { group.shutdownGracefully() }
        let recorder = EventRecorder()
        let loop = group.loops[0]
        loop.execute {
            loop.connect(to: SocketAddress(host: "127.0.0.1", port: 1)!, handler: RecordingHandler(recorder))
        }
        #expect(eventually { !recorder.closeReasons.isEmpty })
        #expect(recorder.closeReasons == [.connectFailed(Errno(ECONNREFUSED))])
        #expect(recorder.activeCount == 0)
    }

    @Test("an outgoing connection made by the engine echoes through the engine", arguments: allBackends)
    func engineClientToEngineServer(backend: EventLoopConfiguration.BackendChoice) throws {
        let server = try TestServer(backend: backend) { _ in EchoHandler() }
        defer { server.stop() }
        let recorder = EventRecorder()
        let loop = server.group.loops[1]
        let port = server.port
        loop.execute {
            let handler = RecordingHandler(recorder, greeting: patternBytes(100_000))
            loop.connect(to: SocketAddress(host: "127.0.0.1", port: port)!,
                         from: SocketAddress(host: "127.0.0.2", port: 0)!, handler: handler)
        }
        #expect(eventually { recorder.receivedBytes == 100_000 })
        #expect(recorder.activeCount == 1)
    }

    @Test("listeners close at once on shutdown and queued output is flushed first", arguments: allBackends)
    func gracefulShutdownFlushes(backend: EventLoopConfiguration.BackendChoice) throws {
        let payload = patternBytes(2 << 20)
        let recorder = EventRecorder()
        let server = try TestServer(backend: backend) { _ in GreetingHandler(payload, recorder: recorder) }
        let client = try BlockingClient(port: server.port)
        // Shutdown closes listeners at once, which resets connections still in the kernel's
        // accept queue: wait until this one is accepted (and its greeting queued).
        #expect(eventually { recorder.activeCount == 1 })
        // Nothing is read before the shutdown starts: the 2 MiB sit in the server's queue.
        let stopper = Thread { server.stop(gracePeriod: .seconds(5)) }
        let received = client.receiveUntilClosed()
        stopper.join()
        expectSameBytes(received, payload)
        #expect(throws: Errno.self) { try BlockingClient(port: server.port) }
    }

    @Test("connections that will not drain are closed when the grace period ends", arguments: allBackends)
    func shutdownGracePeriodIsBounded(backend: EventLoopConfiguration.BackendChoice) throws {
        let recorder = EventRecorder()
        let server = try TestServer(backend: backend, configure: { $0.outboundBytesMax = 64 << 20; $0.outboundHighWaterBytes = 32 << 20 }) { _ in
            GreetingHandler(patternBytes(16 << 20), recorder: recorder)
        }
        let client = try BlockingClient(port: server.port)
        #expect(eventually { recorder.activeCount == 1 })
        let started = monotonicNanos()
        server.stop(gracePeriod: .milliseconds(200)) // the client never reads
        #expect(monotonicNanos() - started < 5_000_000_000)
        #expect(recorder.closeReasons == [.shutdown])
        _ = client
    }
}

/// Counts what arrives; optionally writes a greeting once connected.
final class RecordingHandler: ConnectionHandler {
    let recorder: EventRecorder
    let greeting: [UInt8]

    init(_ recorder: EventRecorder, greeting: [UInt8] = []) {
        self.recorder = recorder
        self.greeting = greeting
    }

    func connectionActive(_ connection: Connection) {
        recorder.active()
        greeting.withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        recorder.received(bytes.count)
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) { recorder.closed(reason) }
}

/// Writes a fixed payload as soon as the connection is accepted.
final class GreetingHandler: ConnectionHandler {
    let payload: [UInt8]
    let recorder: EventRecorder?

    init(_ payload: [UInt8], recorder: EventRecorder? = nil) {
        self.payload = payload
        self.recorder = recorder
    }

    func connectionActive(_ connection: Connection) {
        recorder?.active()
        payload.withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {}

    func connectionDidClose(_ connection: Connection, reason: CloseReason) { recorder?.closed(reason) }
}

/// A plain thread for blocking client work beside the test.
final class Thread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&handle, nil, { raw in
            let thread = Unmanaged<Thread>.fromOpaque(raw!).takeRetainedValue()
            thread.body()
            return nil
        }, context)
    }

    func join() { pthread_join(handle, nil) }
}
