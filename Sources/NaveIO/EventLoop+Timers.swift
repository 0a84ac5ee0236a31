/// Timers on the loop's timing wheel. Loop thread only; they fire on the loop thread.
/// Deadlines count from the loop's clock read now, not from the turn's start, so a timer
/// armed late in a long turn does not fire early by the turn's age.
extension EventLoop {
    /// Schedules `handler.timerFired(token:)` after `delay` (no allocation per timer).
    @discardableResult
    public func schedule(after delay: Duration, handler: TimerHandler, token: UInt64) -> TimerID {
        assertInLoop()
        return timers.schedule(deadlineNanos: readClockNanos() + delay.nanoseconds, .handler(handler, token))
    }

    /// Schedules `body` after `delay`.
    @discardableResult
    public func schedule(after delay: Duration, _ body: @escaping () -> Void) -> TimerID {
        assertInLoop()
        return timers.schedule(deadlineNanos: readClockNanos() + delay.nanoseconds, .closure(body))
    }

    /// Cancels a timer; false when it already fired or was cancelled.
    @discardableResult
    public func cancelTimer(_ id: TimerID) -> Bool {
        assertInLoop()
        return timers.cancel(id)
    }

    /// Timers pending on this loop.
    public var pendingTimerCount: Int { timers.count }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
