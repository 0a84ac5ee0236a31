import Glibc
import Logging
import Synchronization

/// The engine: one loop thread per core, each with its own ring.
public final class EventLoopGroup: Sendable {
    /// The loops, indexed by `EventLoop.index`.
    public let loops: [EventLoop]
    private let nextIndex = Atomic<Int>(0)
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    /// Starts `configuration.loopCount` loop threads. Throws when the configuration is invalid or
    /// no backend can be set up; logs the backend chosen.
    public init(configuration: EventLoopConfiguration = EventLoopConfiguration(),
                logger: Logger = Logger(label: "nave.io")) throws {
        try configuration.validate()
        // A peer that resets must not kill the process; sends also pass MSG_NOSIGNAL.
        signal(SIGPIPE, SIG_IGN)
        self.logger = logger
        loops = (0..<configuration.loopCount).map { EventLoop(index: $0, configuration: configuration, logger: logger) }
        let outcomes = Mutex<[Int: Result<IOBackendKind, Error>]>([:])
        for loop in loops {
            loop.start { result in outcomes.withLock { $0[loop.index] = result } }
        }
        while outcomes.withLock({ $0.count }) < loops.count { usleep(200) }
        let results = outcomes.withLock { $0 }
        for (index, result) in results {
            if case .failure(let error) = result {
                shutdownGracefully(gracePeriod: .zero)
                throw StartFailure(loop: index, underlying: error)
            }
        }
        logger.info("event loops started", metadata: ["loops": "\(loops.count)", "backend": "\(loops[0].backendKind.rawValue)"])
    }

    /// A loop's backend could not be set up.
    public struct StartFailure: Error, CustomStringConvertible {
        public let loop: Int
        public let underlying: Error
        public var description: String { "event loop \(loop) failed to start: \(underlying)" }
    }

    /// The backend the loops run on.
    public var backendKind: IOBackendKind { loops[0].backendKind }

    /// Loops in turn, for spreading outgoing connections and shards.
    public func next() -> EventLoop {
        loops[nextIndex.add(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// The loop a stable key (a device id's hash) belongs to.
    public func loop(forKey key: UInt64) -> EventLoop {
        loops[Int(key % UInt64(loops.count))]
    }

    /// Listens on `address` on every loop (SO_REUSEPORT); `makeHandler` builds each accepted
    /// connection's handler on its loop. Port 0 picks a free port, shared by all loops. With
    /// `tls`, every connection is TLS (server role) and handlers see plaintext. Throws
    /// EADDRINUSE when another process already listens there.
    public func listen(on address: SocketAddress, tls: TLSContext? = nil,
                       makeHandler: @escaping ConnectionHandlerFactory) throws -> ListeningSocket {
        try Socket.ensureUnused(address)
        var bound = address
        for loop in loops {
            let target = bound
            bound = try loop.submitAndWait { () throws(Errno) -> SocketAddress in
                try loop.openListener(at: target, tls: tls, makeHandler: makeHandler)
            }
        }
        logger.info("listening", metadata: ["address": "\(bound)"])
        return ListeningSocket(address: bound, group: self)
    }

    /// Open connections on every loop, counted on each loop's own thread (one hop per loop):
    /// what a drain polls to end early once clients have left. Not for a loop thread.
    public func openConnectionCount() async -> Int {
        var total = 0
        for loop in loops { total += await loop.submit { loop.connectionCount } }
        return total
    }

    /// The first half of `shutdownGracefully`: listeners close, connections get `gracePeriod` to
    /// send what they queued and are closed, but the loops keep running the work posted to them
    /// (actors pinned to them, mailboxes, timers) until `shutdownGracefully`. A hub flushes its
    /// shards between the two. Blocks until every loop has closed its connections.
    public func closeConnections(gracePeriod: Duration = .seconds(5)) {
        precondition(EventLoop.current == nil, "closeConnections must not be called from a loop thread")
        guard !stopped.load(ordering: .acquiring) else { return }
        for loop in loops {
            loop.holdOpen.store(true, ordering: .releasing)
            loop.requestStop(gracePeriodNanos: gracePeriod.nanoseconds)
        }
        while !loops.allSatisfy({ $0.connectionsClosed.load(ordering: .acquiring) }) { usleep(1_000) }
    }

    /// Stops every loop: listeners close at once (connections still waiting in the kernel's
    /// accept queue are reset by it), accepted connections get `gracePeriod` to send what they
    /// queued, then are closed, and the threads exit. Blocks until they have. Idempotent.
    public func shutdownGracefully(gracePeriod: Duration = .seconds(5)) {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        precondition(EventLoop.current == nil, "shutdownGracefully must not be called from a loop thread")
        for loop in loops {
            loop.holdOpen.store(false, ordering: .releasing)
            loop.requestStop(gracePeriodNanos: gracePeriod.nanoseconds)
        }
        for loop in loops { loop.join() }
        logger.info("event loops stopped")
    }
}

/// A listening address served by every loop of a group.
public struct ListeningSocket: Sendable {
    public let address: SocketAddress
    let group: EventLoopGroup

    /// Stops accepting on every loop; open connections stay.
    public func close() {
        let port = address.port
        for loop in group.loops {
            loop.submitAndWait { loop.closeListeners(boundTo: port) }
        }
    }
}
