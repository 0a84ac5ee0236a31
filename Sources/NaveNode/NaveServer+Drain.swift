import Logging
import NaveIO

/// SIGTERM's drain (issue #16): the node leaves the load balancer's rotation before it closes
/// anybody — new clients are refused, connected ones may finish and leave within the grace
/// period, the rest are closed, the hub flushes.
extension NaveServer {
    /// How often a drain checks whether every client has left (a hop to each loop).
    static let drainPollInterval = Duration.milliseconds(100)
    /// The time the closing connections get to send what they queued, after the grace.
    static let drainCloseFlushGrace = Duration.seconds(2)

    /// Marks the node draining (`/health/ready` fails), stops accepting, waits until no
    /// connection is left, `gracePeriod` has passed, `stopDrainingNow()` was called or the task
    /// is cancelled, then closes what is left and shuts down as `shutdown()` does.
    public func drain(gracePeriod: Duration) async {
        health.beginDraining()
        for socket in sockets { socket.close() }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        var open = await group.openConnectionCount()
        logger.notice("draining", metadata: ["connections": "\(open)", "gracePeriod": "\(gracePeriod)"])
        while open > 0, clock.now < deadline, !Task.isCancelled, !drainCutShort.load(ordering: .relaxed) {
            try? await Task.sleep(for: min(Self.drainPollInterval, deadline - clock.now))
            open = await group.openConnectionCount()
        }
        if open > 0 { logger.notice("drain over; closing the remaining connections", metadata: ["connections": "\(open)"]) }
        await shutdown(gracePeriod: Self.drainCloseFlushGrace)
    }

    /// Ends a drain in progress at once (a second SIGTERM or SIGINT): the remaining
    /// connections are closed without waiting out the grace period.
    public func stopDrainingNow() {
        drainCutShort.store(true, ordering: .relaxed)
    }
}
