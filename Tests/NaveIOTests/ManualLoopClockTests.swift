import Glibc
import NaveIO
import Synchronization
import Testing

/// The engine on an injected clock: loops read `EventLoopConfiguration.clock` for their turns
/// and timers, fire timers exactly when a `ManualLoopClock` passes their deadline, and neither
/// spin nor sleep on real time while it stands still.
@Suite("Manual loop clock", .serialized)
struct ManualLoopClockTests {
    static func manualGroup(backend: EventLoopConfiguration.BackendChoice, clock: ManualLoopClock, loops: Int = 2) throws -> EventLoopGroup {
        var configuration = EventLoopConfiguration(loopCount: loops)
        configuration.backend = backend
        configuration.clock = clock
        return try EventLoopGroup(configuration: configuration)
    }

    @Test("the default clock is the system's monotonic clock")
    func defaultIsSystem() throws {
        #expect(EventLoopConfiguration().clock is SystemLoopClock)
        let group = try makeGroup(backend: .automatic, loops: 1)
        defer { group.shutdownGracefully() }
        let loop = group.loops[0]
        let before = monotonicNanos()
        let read = loop.submitAndWait { loop.readClockNanos() }
        #expect(read >= before && read - before < 1_000_000_000)
    }

    @Test("timers fire when the clock passes their deadline, not a tick before, on every loop", arguments: allBackends)
    func timersFollowTheClock(backend: EventLoopConfiguration.BackendChoice) async throws {
        let realStart = monotonicNanos()
        let clock = ManualLoopClock(startNanos: 1_000_000_000)
        let group = try Self.manualGroup(backend: backend, clock: clock)
        defer { group.shutdownGracefully(gracePeriod: .zero) }
        let fired = Mutex<[Int: Int64]>([:])
        for loop in group.loops {
            loop.submitAndWait {
                precondition(loop.nowNanos == 1_000_000_000)
                loop.schedule(after: .seconds(10)) { fired.withLock { $0[loop.index] = loop.nowNanos } }
            }
        }
        clock.advance(by: .milliseconds(9_999))
        await clock.settle()
        #expect(fired.withLock { $0.isEmpty }, "a timer fired 1 ms early")
        #expect(group.loops.allSatisfy { loop in loop.submitAndWait { loop.nowNanos } == 10_999_000_000 })

        clock.advance(by: .milliseconds(1))
        await clock.settle()
        #expect(fired.withLock { $0 } == [0: 11_000_000_000, 1: 11_000_000_000])
        // Loose for a loaded shared host: it only has to show the 10 s did not pass in real time.
        let realSeconds = Double(monotonicNanos() - realStart) / 1e9
        #expect(realSeconds < 5, "10 s on the manual clock took \(realSeconds) s of real time")
    }

    @Test("a loop whose only work is a timer far away on the manual clock sleeps: no spinning", arguments: allBackends)
    func idleLoopSleeps(backend: EventLoopConfiguration.BackendChoice) async throws {
        let clock = ManualLoopClock()
        let group = try Self.manualGroup(backend: backend, clock: clock, loops: 1)
        defer { group.shutdownGracefully(gracePeriod: .zero) }
        let loop = group.loops[0]
        let fired = Atomic<Bool>(false)
        loop.submitAndWait { _ = loop.schedule(after: .seconds(3_600)) { fired.store(true, ordering: .relaxed) } }
        let cpuBefore = loop.submitAndWait { threadCPUNanos() }
        usleep(300_000)
        let cpuNanos = loop.submitAndWait { threadCPUNanos() } - cpuBefore
        // Asleep it uses microseconds; spinning on zero-timeout polls, most of the 300 ms.
        #expect(cpuNanos < 30_000_000, "the loop used \(cpuNanos / 1_000_000) ms of CPU in 300 ms while waiting for a manual deadline")
        let firedEarly = fired.load(ordering: .relaxed)
        #expect(!firedEarly)

        // An hour on the clock wakes it at once (it was not asleep until a real deadline).
        clock.advance(by: .seconds(3_600))
        await clock.settle()
        let firedOnTime = fired.load(ordering: .relaxed)
        #expect(firedOnTime)
    }

    @Test("a close waiting to flush to a peer that never reads is reset when the clock passes closeFlushTimeoutMillis", arguments: allBackends)
    func closeFlushDeadlineFollowsTheClock(backend: EventLoopConfiguration.BackendChoice) async throws {
        let clock = ManualLoopClock()
        let recorder = EventRecorder()
        // More than loopback's socket buffers hold, so the flush can never finish.
        let server = try TestServer(backend: backend, loops: 1, configure: {
            $0.outboundBytesMax = 64 << 20
            $0.outboundHighWaterBytes = 48 << 20
            $0.closeFlushTimeoutMillis = 5_000
            $0.clock = clock
        }) { _ in ClosingGreeter(patternBytes(32 << 20), recorder: recorder) }
        defer { server.stop(gracePeriod: .zero) }
        let client = try BlockingClient(port: server.port)
        #expect(eventually { recorder.activeCount == 1 })
        clock.advance(by: .milliseconds(4_999))
        await clock.settle()
        #expect(server.connectionCount == 1, "reset before closeFlushTimeoutMillis on the loop's clock")
        clock.advance(by: .milliseconds(1))
        await clock.settle()
        #expect(eventually { server.connectionCount == 0 }, "not reset once the loop's clock passed the deadline")
        #expect(recorder.closeReasons == [.local])
        _ = client
    }

    @Test("stopped loops leave the clock: moving it afterwards wakes and waits for nobody")
    func stoppedLoopsLeaveTheClock() async throws {
        let clock = ManualLoopClock()
        let group = try Self.manualGroup(backend: .automatic, clock: clock)
        group.shutdownGracefully(gracePeriod: .zero)
        // Stopped loops are no longer woken (or waited for) when the clock moves.
        clock.advance(by: .seconds(1))
        await clock.settle()
    }
}

/// CPU time the calling thread has used (ns).
private func threadCPUNanos() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}
