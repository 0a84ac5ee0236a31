import NaveCore
import NaveIO

/// The hub's scheduler on an event loop's timing wheel (1 ms ticks): method timeouts, C2D
/// locks and TTLs cost a wheel slot each, no thread and no polling.
public struct LoopScheduler: HubScheduler {
    let loop: EventLoop

    public init(loop: EventLoop) { self.loop = loop }

    public func schedule(afterMillis milliseconds: Int64, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        let scheduled = ScheduledAction(action)
        let loop = loop
        loop.execute {
            _ = loop.schedule(after: .milliseconds(max(0, milliseconds))) { scheduled.fire() }
        }
        return scheduled
    }
}
