import Synchronization

/// A loop clock that moves only when told, for tests and simulations: put it in
/// `EventLoopConfiguration.clock` (a node's `NaveConfiguration.engine.clock`) and every timer,
/// keep-alive and timeout on those loops waits for `advance`, however long the test takes in
/// real time, and fires at once when the clock passes its deadline — a 15-second keep-alive is
/// checked in milliseconds.
///
/// Loops on this clock never sleep towards a timer (`passesWhileLoopsSleep` is false): with only
/// timers pending they wait for I/O or for `advance`, which wakes every loop reading the clock.
/// Shutdown grace periods run on it too: `shutdownGracefully(gracePeriod: .zero)` stops at once,
/// a longer grace with connections that do not drain waits for the clock to be advanced.
public final class ManualLoopClock: LoopClock {
    private let current: Atomic<Int64>
    /// The running loops that read this clock, woken whenever it moves.
    private let loops = Mutex<[EventLoop]>([])

    /// A clock at `startNanos` (any origin: only differences matter to the loops).
    public init(startNanos: Int64 = 0) {
        current = Atomic(startNanos)
    }

    public func nowNanos() -> Int64 { current.load(ordering: .acquiring) }

    public var passesWhileLoopsSleep: Bool { false }

    public func loopStarted(_ loop: EventLoop) {
        loops.withLock { $0.append(loop) }
    }

    public func loopStopped(_ loop: EventLoop) {
        loops.withLock { $0.removeAll { $0 === loop } }
    }

    /// Moves time on by `nanos` and wakes every loop on this clock: each begins a turn at the new
    /// time and runs the timers now due. Returns at once; `settle()` waits for those turns.
    public func advance(byNanos nanos: Int64) {
        precondition(nanos >= 0, "a monotonic clock does not go back (advance by \(nanos) ns)")
        // Stored before the wake-up is queued, so the turn the wake-up starts reads the new time.
        current.add(nanos, ordering: .releasing)
        // Under the lock: a loop that has stopped (`loopStopped`) is never handed work again.
        loops.withLock { loops in
            for loop in loops { loop.execute {} }
        }
    }

    /// Moves time on by `duration` (see `advance(byNanos:)`).
    public func advance(by duration: Duration) {
        advance(byNanos: duration.nanoseconds)
    }

    /// Returns once every loop on this clock has begun a turn at the current time or later and
    /// run the timers due by then — what those timers did synchronously (a keep-alive close
    /// decided, a 408 queued) is done; work they started in tasks may still be running. Call
    /// while the loops run, not from a loop thread.
    public func settle() async {
        let target = nowNanos()
        for loop in loops.withLock({ $0 }) {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                loop.execute { Self.resume(continuation, on: loop, afterTimersDueBy: target) }
            }
        }
    }

    /// On `loop`'s thread: waits for a turn at `target` or later, then resumes in a turn after
    /// that turn's due timers have run.
    private static func resume(_ continuation: CheckedContinuation<Void, Never>, on loop: EventLoop,
                               afterTimersDueBy target: Int64) {
        guard loop.nowNanos >= target else {
            // The turn began before the clock moved; the next one reads the new time.
            return loop.execute { resume(continuation, on: loop, afterTimersDueBy: target) }
        }
        loop.afterTimersDueNow { continuation.resume() }
    }
}

extension EventLoop {
    /// Runs `body` once the timers due at this turn's time have run (loop thread only).
    ///
    /// The turn runs queued work, then due timers; work queued from here would run in this
    /// same pass, before them. So when ticks up to now remain unprocessed, a timer in the first
    /// of them carries `body`: it fires in this turn's timer pass, and queues `body`, which then
    /// runs in the next turn, after every timer of the pass. When none remain, every timer due
    /// by now fired in an earlier turn.
    fileprivate func afterTimersDueNow(_ body: @escaping @Sendable () -> Void) {
        assertInLoop()
        let firstUnprocessedTick = timers.processedTick + 1
        guard firstUnprocessedTick <= nowNanos / timers.tickNanos else { return body() }
        _ = timers.schedule(deadlineNanos: firstUnprocessedTick * timers.tickNanos, .closure { [unowned self] in
            self.execute(body)
        })
    }
}
