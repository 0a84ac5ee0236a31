import NaveIO
import Synchronization
import Testing

/// `batchWaitMicros`: a waiting io_uring loop is woken by a batch of completions or by the
/// minimum wait with at least one. A lone message and a lone timer must still get through.
@Suite("Batched waits (io_uring)", .serialized)
struct BatchedWaitTests {
    /// Far more completions than a lone request produces, so only the minimum wait can end it.
    static func configure(_ configuration: inout EventLoopConfiguration) {
        configuration.batchWaitMicros = 2_000
        configuration.batchWaitCompletions = 4_096
    }

    @Test("a single request is answered although the batch never fills")
    func loneMessage() throws {
        let server = try TestServer(backend: .ioUring, loops: 1, configure: Self.configure) { _ in EchoHandler() }
        defer { server.stop() }
        let client = try BlockingClient(port: server.port)
        for size in [1, 64, 70_000] {
            let payload = patternBytes(size, seed: UInt8(size % 251))
            client.send(payload)
            expectSameBytes(client.receive(count: size), payload, "size \(size)")
        }
    }

    @Test("many concurrent clients are all served, in order each")
    func manyClients() throws {
        let server = try TestServer(backend: .ioUring, loops: 1, configure: Self.configure) { _ in EchoHandler() }
        defer { server.stop() }
        let clients = try (0..<32).map { _ in try BlockingClient(port: server.port) }
        for round in 0..<20 {
            for (index, client) in clients.enumerated() { client.send(patternBytes(64, seed: UInt8((index + round) % 251))) }
            for (index, client) in clients.enumerated() {
                expectSameBytes(client.receive(count: 64), patternBytes(64, seed: UInt8((index + round) % 251)), "client \(index)")
            }
        }
    }

    @Test("a timer on an otherwise idle loop fires, not held back by the batch")
    func timerOnIdleLoop() throws {
        var configuration = EventLoopConfiguration(loopCount: 1)
        configuration.backend = .ioUring
        Self.configure(&configuration)
        let group = try EventLoopGroup(configuration: configuration)
        defer { group.shutdownGracefully() }
        let loop = group.loops[0]
        let fired = Flag()
        let started = monotonicNanos()
        loop.execute { _ = loop.schedule(after: .milliseconds(20)) { fired.set() } }
        #expect(eventually { fired.isSet })
        // The 20 ms deadline bounds the wait; a 2 ms minimum wait adds at most that.
        #expect(monotonicNanos() - started < 2_000_000_000)
    }
}

/// A flag set on a loop thread and read by the test.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
