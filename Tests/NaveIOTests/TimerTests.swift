import Glibc
@testable import NaveIO
import Synchronization
import Testing

final class FiredTokens: TimerHandler {
    var tokens: [UInt64] = []
    func timerFired(token: UInt64) { tokens.append(token) }
}

@Suite("Timing wheel")
struct TimingWheelTests {
    let tick: Int64 = 1_000_000

    @Test("timers fire on their tick, never early, and cancelled ones never")
    func firesInOrderNeverEarly() {
        var wheel = TimingWheel(tickNanos: tick, slotCount: 16, nowNanos: 0)
        let fired = FiredTokens()
        for token in UInt64(1)...40 {
            _ = wheel.schedule(deadlineNanos: Int64(token) * tick, .handler(fired, token))
        }
        let cancelled = wheel.schedule(deadlineNanos: 5 * tick, .handler(fired, 999))
        let first = wheel.cancel(cancelled), second = wheel.cancel(cancelled)
        #expect(first)
        #expect(!second)
        for now in 0...40 {
            wheel.advance(toNanos: Int64(now) * tick)
            #expect(fired.tokens == (now == 0 ? [] : Array(UInt64(1)...UInt64(now))))
        }
        #expect(wheel.count == 0)
    }

    @Test("a deadline several wheel turns away waits for its turn")
    func deadlinesBeyondOneTurn() {
        var wheel = TimingWheel(tickNanos: tick, slotCount: 16, nowNanos: 0)
        let fired = FiredTokens()
        _ = wheel.schedule(deadlineNanos: 100 * tick, .handler(fired, 1))
        wheel.advance(toNanos: 99 * tick)
        #expect(fired.tokens.isEmpty)
        #expect(wheel.nextDeadlineNanos() != nil)
        wheel.advance(toNanos: 100 * tick)
        #expect(fired.tokens == [1])
    }

    @Test("a long stall visits each slot once and fires everything due")
    func longStall() {
        var wheel = TimingWheel(tickNanos: tick, slotCount: 16, nowNanos: 0)
        let fired = FiredTokens()
        for token in UInt64(1)...100 { _ = wheel.schedule(deadlineNanos: Int64(token) * 3 * tick, .handler(fired, token)) }
        wheel.advance(toNanos: 1_000 * tick)
        #expect(fired.tokens.sorted() == Array(UInt64(1)...100))
    }

    @Test("a timer scheduled from a firing timer lands in a later tick, and slots are reused")
    func rescheduleFromCallback() {
        var wheel = TimingWheel(tickNanos: tick, slotCount: 16, nowNanos: 0)
        var firings = 0
        // A periodic timer, re-armed between advances: entries are recycled, the slab stays small.
        for round in 1...1000 {
            _ = wheel.schedule(deadlineNanos: Int64(round) * tick, .closure { firings += 1 })
            wheel.advance(toNanos: Int64(round) * tick)
        }
        #expect(firings == 1000)
        #expect(wheel.count == 0)
    }
}

@Suite("Loop timers", .serialized)
struct LoopTimerTests {
    @Test("loop timers fire on the loop thread, not early, and close to their deadline", arguments: allBackends)
    func accuracy(backend: EventLoopConfiguration.BackendChoice) throws {
        let group = try makeGroup(backend: backend, loops: 1)
        defer { group.shutdownGracefully() }
        let loop = group.loops[0]
        let lateness = Mutex<[Int64]>([])
        let delays = (0..<200).map { Int64(1 + ($0 * 7919) % 50) * 1_000_000 }
        loop.execute {
            for delay in delays {
                let scheduledAt = monotonicNanos()
                loop.schedule(after: .nanoseconds(delay)) {
                    precondition(EventLoop.current === loop)
                    let late = monotonicNanos() - scheduledAt - delay
                    lateness.withLock { $0.append(late) }
                }
            }
            // A cancelled timer never fires.
            let doomed = loop.schedule(after: .milliseconds(5)) { lateness.withLock { $0.append(.min) } }
            precondition(loop.cancelTimer(doomed))
        }
        #expect(eventually { lateness.withLock { $0.count } == delays.count })
        usleep(20_000)
        let observed = lateness.withLock { $0 }
        #expect(observed.count == delays.count)
        #expect(observed.allSatisfy { $0 >= 0 }, "a timer fired early")
        // One tick is 1 ms; the bounds allow for other suites running in parallel on 2 cores
        // (a broken wheel is off by seconds, or never fires).
        let sorted = observed.sorted()
        #expect(sorted[sorted.count / 2] < 15_000_000, "median lateness \(sorted[sorted.count / 2]) ns")
        #expect(sorted.last! < 250_000_000, "worst lateness \(sorted.last!) ns")
    }
}
