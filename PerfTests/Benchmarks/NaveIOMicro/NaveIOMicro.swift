// Micro-benchmarks of the engine's public API. They exist for their allocation counts, which CI
// may gate on (PERF.md: never on time); the wall-clock figures are for reading only.
//
//   cd PerfTests && swift package --allow-writing-to-package-directory benchmark
import Benchmark
import Dispatch
import NaveIO

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .throughput],
                                           maxDuration: .seconds(2), maxIterations: 100_000)

    // A thread outside the engine handing work to a loop and waiting for the answer: the price of
    // every set-up call and of the harness's own snapshots.
    Benchmark("EventLoop.submitAndWait round trip") { benchmark in
        let loop = EchoFixture.shared.client.loop
        for _ in benchmark.scaledIterations { blackHole(loop.submitAndWait { 1 }) }
    }

    // One iteration = 1000 closed-loop 64-byte round trips over one loopback connection between
    // two loops (server and client on their own threads): the echo path's allocations per
    // iteration should be the constant cost of starting the batch, not one per message.
    Benchmark("echo 1000 × 64-byte round trips, 1 connection") { benchmark in
        let fixture = EchoFixture.shared
        for _ in benchmark.scaledIterations { fixture.client.roundTrips(1000) }
    }
}

/// A server loop running `EchoHandler` and a client loop with one connection to it, made once.
final class EchoFixture: Sendable {
    static let shared = EchoFixture()
    let serverGroup: EventLoopGroup
    let clientGroup: EventLoopGroup
    let client: PingClient

    private init() {
        serverGroup = try! EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        clientGroup = try! EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        let listener = try! serverGroup.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { _ in EchoHandler() }
        let loop = clientGroup.loops[0]
        client = PingClient(loop: loop)
        let client = client
        loop.execute { loop.connect(to: listener.address, handler: client) }
        client.signal.wait()
    }
}

/// Sends one 64-byte frame, waits for its echo, sends the next, until the batch is done.
/// @unchecked Sendable: its state is touched only on its loop's thread; the semaphore is the
/// only thing other threads use.
final class PingClient: ConnectionHandler, @unchecked Sendable {
    let loop: EventLoop
    let signal = DispatchSemaphore(value: 0)
    private var connection: Connection?
    private var remaining = 0
    private var partialBytes = 0
    private let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)

    init(loop: EventLoop) {
        self.loop = loop
        frame.initializeMemory(as: UInt8.self, repeating: 0x5A)
    }

    /// Runs `count` round trips (bounded: a closed connection ends the batch) and returns.
    func roundTrips(_ count: Int) {
        loop.execute { [self] in
            guard let connection, count > 0 else {
                _ = signal.signal()
                return
            }
            remaining = count
            connection.write(UnsafeRawBufferPointer(frame))
        }
        signal.wait()
    }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        _ = signal.signal()
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        partialBytes += bytes.count
        while partialBytes >= frame.count {
            partialBytes -= frame.count
            remaining -= 1
            if remaining > 0 {
                connection.write(UnsafeRawBufferPointer(frame))
            } else {
                _ = signal.signal()
            }
        }
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        let wasWaiting = self.connection == nil || remaining > 0
        self.connection = nil
        remaining = 0
        if wasWaiting { _ = signal.signal() }
    }
}
