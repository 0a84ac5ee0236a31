import Synchronization

/// Runs work later (method timeouts, C2D lock expiry, TTLs). Injected so tests can drive time
/// by hand; the node schedules on an event loop's timing wheel.
public protocol HubScheduler: Sendable {
    /// Runs `action` after `milliseconds` unless the returned handle is cancelled first.
    func schedule(afterMillis milliseconds: Int64, _ action: @escaping @Sendable () -> Void) -> ScheduledAction
}

/// A handle to scheduled work; `cancel` wins if it comes before the run.
public final class ScheduledAction: Sendable {
    private let state = Atomic<Int>(0) // 0 pending, 1 ran, 2 cancelled
    let action: @Sendable () -> Void

    public init(_ action: @escaping @Sendable () -> Void) { self.action = action }

    /// Called by the scheduler when the time comes.
    public func fire() {
        if state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged { action() }
    }

    /// True if the action will not run (it had not run yet).
    @discardableResult
    public func cancel() -> Bool {
        state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged
    }
}

/// A scheduler tests advance by hand.
public final class ManualScheduler: HubScheduler {
    private let pending = Mutex<[(due: Int64, action: ScheduledAction)]>([])
    private let now = Mutex<Int64>(0)

    public init() {}

    public func schedule(afterMillis milliseconds: Int64, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        let scheduled = ScheduledAction(action)
        let due = now.withLock { $0 } + milliseconds
        pending.withLock { $0.append((due, scheduled)) }
        return scheduled
    }

    /// Moves time on and runs what came due, in order.
    public func advance(millis: Int64) {
        let target = now.withLock { value in
            value += millis
            return value
        }
        let due = pending.withLock { pending in
            let ready = pending.filter { $0.due <= target }.sorted { $0.due < $1.due }
            pending.removeAll { $0.due <= target }
            return ready
        }
        for item in due { item.action.fire() }
    }
}
