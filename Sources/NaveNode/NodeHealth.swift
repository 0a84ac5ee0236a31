import Synchronization

/// Where the node is in its life, as `/health/live`, `/health/ready` and systemd's `sd_notify`
/// report it (issue #16). Live from the first line of `NaveServer.init` until it stopped; ready
/// only between "every listener bound and every store open" and the start of a drain, so a load
/// balancer stops sending new clients before SIGTERM's grace period closes the old ones.
public final class NodeHealth: Sendable {
    public enum Phase: String, Sendable, Equatable {
        case starting, ready, draining, stopped
    }

    private let current = Mutex(Phase.starting)

    public init() {}

    public var phase: Phase { current.withLock { $0 } }
    public var isLive: Bool { phase != .stopped }
    public var isReady: Bool { phase == .ready }

    /// Listeners bound and stores open: new clients are welcome.
    public func markReady() { current.withLock { if $0 == .starting { $0 = .ready } } }
    /// Shutdown began: listeners close and connections get their grace period.
    public func beginDraining() { current.withLock { if $0 != .stopped { $0 = .draining } } }
    public func markStopped() { current.withLock { $0 = .stopped } }
}
