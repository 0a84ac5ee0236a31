import NaveCore
import NaveIO

/// The hub's timers (method response timeouts, connect polls) on an event loop's timing wheel:
/// O(1) to schedule, nothing to sweep. Callable from any thread; the timer is set on the
/// loop's own thread and the action runs there, never inside `schedule` (as `HubScheduler`
/// callers rely on).
///
/// A cancelled action stays in the wheel, inert, until its deadline passes: the handle cannot
/// reach the wheel's `TimerID` from another thread without a hop per cancel.
struct LoopScheduler: HubScheduler {
    let loop: EventLoop

    func schedule(afterMillis milliseconds: Int64, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        let scheduled = ScheduledAction(action)
        let loop = loop
        loop.execute {
            loop.schedule(after: .milliseconds(max(0, milliseconds))) { scheduled.fire() }
        }
        return scheduled
    }
}
