import NaveCore
import NaveModel
import Testing

/// The counts a metrics scrape reads from the hub's services (issue #16, docs/metrics.md):
/// each outcome moves its own count and nothing else.
@Suite struct HubStatisticsTests {
    @Test("C2D: depth follows sends and departures; sent, completed, rejected, abandoned and expired are counted apart")
    func cloudToDeviceOutcomes() async throws {
        let hub = try await CloudToDeviceFixture.make()
        for text in ["a", "b", "c", "d"] { try await hub.send(text) }
        try await hub.send("short", ttlSeconds: 5)
        var expected = CloudToDeviceStatistics()
        expected.queued = 5
        expected.sent = 5
        #expect(await hub.queues.statistics() == expected)

        let completed = try #require(await hub.queues.receive(hub.device))
        try await hub.queues.complete(hub.device, lockToken: completed.lockToken)
        let rejected = try #require(await hub.queues.receive(hub.device))
        try await hub.queues.reject(hub.device, lockToken: rejected.lockToken)
        let abandoned = try #require(await hub.queues.receive(hub.device))
        try await hub.queues.abandon(hub.device, lockToken: abandoned.lockToken)
        await hub.advance(seconds: 10)
        expected.queued = 2
        expected.completed = 1
        expected.rejected = 1
        expected.abandoned = 1
        expected.expired = 1
        #expect(await hub.queues.statistics() == expected)
    }

    @Test("C2D: a message delivered deliveryCountMax times is dead-lettered and counted so")
    func cloudToDeviceDeadLettered() async throws {
        var limits = CloudToDeviceLimits()
        limits.deliveryCountMax = 2
        let hub = try await CloudToDeviceFixture.make(limits: limits)
        try await hub.send("x")
        for _ in 0..<2 {
            let locked = try #require(await hub.queues.receive(hub.device))
            try await hub.queues.abandon(hub.device, lockToken: locked.lockToken)
        }
        let statistics = await hub.queues.statistics()
        #expect(statistics.deadLettered == 1)
        #expect(statistics.abandoned == 2)
        #expect(statistics.queued == 0)
    }

    @Test("direct methods: answered, unreachable, timeout and throttled each count once")
    func methodOutcomes() async throws {
        var limits = DirectMethodLimits()
        limits.pendingCallsMax = 1
        let hub = try await MethodFixture(limits: limits)
        _ = await hub.call().value  // not connected: 404103
        hub.connect(reactions: [.answer(status: 200, payload: "1")], fallback: .hold)
        _ = await hub.call().value
        let held = hub.call(responseTimeoutSeconds: 5)
        try await hub.waitForPending(1)
        _ = await hub.call().value  // one call pending already: 429001
        hub.advance(millis: 5_000)
        _ = await held.value
        var expected = MethodCallOutcomes()
        expected.answered = 1
        expected.unreachable = 1
        expected.timeout = 1
        expected.throttled = 1
        #expect(hub.methods.outcomes == expected)
    }
}
