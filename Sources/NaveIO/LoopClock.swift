import Glibc

/// Where an event loop reads monotonic time: the start of each turn (`EventLoop.nowNanos`),
/// timer deadlines, close-flush and shutdown deadlines, and every adapter's timeouts above the
/// engine (MQTT keep-alive, HTTP request timeouts). Injected through
/// `EventLoopConfiguration.clock` so a whole node can run on `ManualLoopClock` in tests; the
/// default, `SystemLoopClock`, is read by a direct `clock_gettime` (the loop recognises it and
/// never calls through this protocol for it).
public protocol LoopClock: Sendable {
    /// Monotonic time in nanoseconds: any origin, never decreasing.
    func nowNanos() -> Int64
    /// Whether this clock's time passes while a loop sleeps in the kernel. True: a loop may
    /// block until its next timer is due, as with the system clock. False (a clock moved by
    /// hand): a wait computed from its deadlines means nothing in real time, so the loop waits
    /// for I/O or a wake-up instead, and the clock wakes the loops it was given
    /// (`loopStarted`) whenever it moves.
    var passesWhileLoopsSleep: Bool { get }
    /// `loop` reads this clock from now on (called on the loop's thread before its first turn).
    func loopStarted(_ loop: EventLoop)
    /// `loop` has left its last turn (called on its thread): it must not be woken any more.
    func loopStopped(_ loop: EventLoop)
}

extension LoopClock {
    public var passesWhileLoopsSleep: Bool { true }
    public func loopStarted(_ loop: EventLoop) {}
    public func loopStopped(_ loop: EventLoop) {}
}

/// CLOCK_MONOTONIC: the engine's default clock.
public struct SystemLoopClock: LoopClock {
    public init() {}

    @inline(__always)
    public func nowNanos() -> Int64 { monotonicNanos() }
}

/// CLOCK_MONOTONIC in nanoseconds. Inside the engine, read the loop's clock instead
/// (`EventLoop.nowNanos`, `readClockNanos()`): this is the system clock whatever was injected.
@inline(__always)
public func monotonicNanos() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
