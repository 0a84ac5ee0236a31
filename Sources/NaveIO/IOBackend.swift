/// Which kernel interface a loop drives its sockets with.
public enum IOBackendKind: String, Sendable, CaseIterable {
    /// Completion-based io_uring: multishot accept and receive, provided buffers, batched sends.
    case ioUring = "io_uring"
    /// Readiness-based epoll: the fallback where io_uring cannot be set up.
    case epoll
}

/// The kernel-facing half of an event loop. The loop owns connection state and policy; a backend
/// only starts operations and reports their completions back to the loop (`EventLoop+Events`).
/// Both backends pass one conformance suite (Tests/NaveIOTests).
protocol IOBackend: AnyObject {
    var kind: IOBackendKind { get }
    /// The eventfd other threads write to wake this loop.
    var wakeFD: Int32 { get }
    /// Whether sockets this backend drives must be O_NONBLOCK.
    var usesNonBlockingSockets: Bool { get }

    func startAccepting(_ listener: Listener)
    func stopAccepting(_ listener: Listener)
    /// Starts (or keeps) delivering received bytes for `connection`.
    func startReceiving(_ connection: Connection)
    /// Stops delivering received bytes (may complete asynchronously).
    func stopReceiving(_ connection: Connection)
    /// Sends queued bytes if no send is in flight; called once per loop turn per dirty connection.
    func flush(_ connection: Connection)
    func startConnect(_ connection: Connection, to address: SocketAddress)
    /// Cancels the connection's operations; calls `loop.releaseConnection` once none is in flight
    /// and the descriptor is closed.
    func close(_ connection: Connection)
    /// Submits queued operations, waits up to `timeoutNanos` (nil: until woken; 0: no wait) for
    /// completions and dispatches them to the loop.
    func poll(timeoutNanos: Int64?)
    /// Releases kernel resources; the loop thread is exiting.
    func tearDown()
}

/// What kind of operation a completion belongs to, packed into io_uring `user_data` and epoll
/// `data.u64` beside the connection's slot and generation, so completions that arrive after a
/// slot was reused are recognised and dropped.
enum OperationKind: UInt64 {
    case wake = 1, accept, receive, send, connect, cancel, close, shutdown
}

struct OperationTag {
    let kind: OperationKind
    let generation: UInt32
    let slot: Int32

    init(kind: OperationKind, generation: UInt32, slot: Int32) {
        self.kind = kind
        self.generation = generation & 0xFF_FFFF
        self.slot = slot
    }

    init?(_ raw: UInt64) {
        guard let kind = OperationKind(rawValue: raw >> 56) else { return nil }
        self.kind = kind
        generation = UInt32((raw >> 32) & 0xFF_FFFF)
        slot = Int32(bitPattern: UInt32(truncatingIfNeeded: raw))
    }

    var raw: UInt64 { kind.rawValue << 56 | UInt64(generation) << 32 | UInt64(UInt32(bitPattern: slot)) }

    static func forConnection(_ kind: OperationKind, _ connection: Connection) -> OperationTag {
        OperationTag(kind: kind, generation: connection.generation, slot: connection.slot)
    }
}
