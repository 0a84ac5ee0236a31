import NaveCore
import NaveModel
import Testing

/// How messages leave the queue — complete, reject, abandon, expiry — the feedback each
/// `iothub-ack` asks for (contract §5.4), the HTTP-style receive, the feedback queue, restarts.
@Suite("Cloud-to-device settling and feedback")
struct CloudToDeviceSettlingTests {
    struct AckCase: Sendable, CustomTestStringConvertible {
        let ack: CloudToDeviceAck
        let onComplete: [FeedbackStatusCode]
        let onReject: [FeedbackStatusCode]
        let onExpiry: [FeedbackStatusCode]
        var testDescription: String { ack.rawValue }
    }

    static let ackCases = [
        AckCase(ack: .none, onComplete: [], onReject: [], onExpiry: []),
        AckCase(ack: .positive, onComplete: [.success], onReject: [], onExpiry: []),
        AckCase(ack: .negative, onComplete: [], onReject: [.rejected], onExpiry: [.expired]),
        AckCase(ack: .full, onComplete: [.success], onReject: [.rejected], onExpiry: [.expired]),
    ]

    @Test("feedback follows iothub-ack: complete, reject and expiry", arguments: ackCases)
    func ackKinds(_ expected: AckCase) async throws {
        let hub = try await CloudToDeviceFixture.make()
        try await hub.send("completed", ack: expected.ack)
        let completed = try #require(await hub.queues.receive(hub.device))
        #expect(completed.message.systemProperty("iothub-ack") == (expected.ack == .none ? nil : expected.ack.rawValue))
        try await hub.queues.complete(hub.device, lockToken: completed.lockToken)
        #expect(try await hub.feedbackCodes() == expected.onComplete)
        try await drainFeedback(hub)

        try await hub.send("rejected", ack: expected.ack)
        try await hub.queues.reject(hub.device, lockToken: try #require(hub.queues.receive(hub.device)).lockToken)
        #expect(try await hub.feedbackCodes() == expected.onReject)
        try await drainFeedback(hub)

        try await hub.send("expires", ack: expected.ack, ttlSeconds: 5)
        await hub.advance(seconds: 5)
        #expect(await hub.queues.pendingCount(hub.device) == 0)
        #expect(try await hub.feedbackCodes() == expected.onExpiry)
    }

    @Test("an offline message that outlives its TTL is never delivered and gives Expired feedback")
    func expiryWhileOffline() async throws {
        let hub = try await CloudToDeviceFixture.make()
        try await hub.send("late", id: "m-exp", ack: .negative, ttlSeconds: 2)
        try await hub.send("kept", ttlSeconds: 60)
        await hub.advance(seconds: 3)
        let connection = await hub.connect()
        #expect(connection.bodies == ["kept"])
        try await hub.queues.flush()
        let batch = try #require(hub.queues.feedback.receive())
        #expect(batch.records.map(\.originalMessageID) == ["m-exp"])
        #expect(batch.records[0].enqueuedTime == hub.clock.now())
    }

    @Test("HTTP receive locks one message at a time; abandon puts it back in its place with the count kept")
    func receiveAndAbandon() async throws {
        let hub = try await CloudToDeviceFixture.make()
        #expect(await hub.queues.receive(hub.device) == nil)
        try await hub.send("first")
        try await hub.send("second")
        let first = try #require(await hub.queues.receive(hub.device))
        #expect(first.queued.deliveryCount == 1 && first.message.body == Array("first".utf8))
        let second = try #require(await hub.queues.receive(hub.device))
        #expect(second.message.body == Array("second".utf8))
        #expect(await hub.queues.receive(hub.device) == nil)
        try await hub.queues.abandon(hub.device, lockToken: first.lockToken)
        let again = try #require(await hub.queues.receive(hub.device))
        #expect(again.message.body == Array("first".utf8) && again.queued.deliveryCount == 2)
        #expect(again.lockToken != first.lockToken)
        await #expect(throws: HubError.deviceMessageLockLost()) { try await hub.queues.complete(hub.device, lockToken: first.lockToken) }
        await #expect(throws: HubError.deviceMessageLockLost()) { try await hub.queues.reject(hub.device, lockToken: "nope") }
        await #expect(throws: HubError.deviceMessageLockLost()) { try await hub.queues.abandon(hub.device, lockToken: "nope") }
        try await hub.queues.complete(hub.device, lockToken: again.lockToken)
        try await hub.queues.complete(hub.device, lockToken: second.lockToken)
        #expect(await hub.queues.pendingCount(hub.device) == 0)
    }

    @Test("a received message whose lock expires comes back; the tenth abandon dead-letters it")
    func receiveLockExpiryAndDeadLetter() async throws {
        let hub = try await CloudToDeviceFixture.make()
        try await hub.send("x", ack: .full)
        _ = try #require(await hub.queues.receive(hub.device))
        #expect(await hub.queues.receive(hub.device) == nil)
        await hub.advance(seconds: 60)
        for attempt in 2...10 {
            let locked = try #require(await hub.queues.receive(hub.device))
            #expect(locked.queued.deliveryCount == attempt)
            try await hub.queues.abandon(hub.device, lockToken: locked.lockToken)
        }
        #expect(await hub.queues.receive(hub.device) == nil)
        #expect(try await hub.feedbackCodes() == [.deliveryCountExceeded])
    }

    @Test("a completion that arrives after the TTL but within the lock still succeeds")
    func completionAfterExpiryWithinLock() async throws {
        let hub = try await CloudToDeviceFixture.make()
        try await hub.send("x", ack: .full, ttlSeconds: 10)
        let locked = try #require(await hub.queues.receive(hub.device))
        await hub.advance(seconds: 30)
        try await hub.queues.complete(hub.device, lockToken: locked.lockToken)
        #expect(try await hub.feedbackCodes() == [.success])
    }

    @Test("feedback batches: complete removes, abandon and lock expiry return, the queue drops its oldest when full")
    func feedbackQueue() async throws {
        var limits = CloudToDeviceLimits()
        limits.feedbackRecordsMax = 3
        limits.feedbackBatchRecordsMax = 2
        let hub = try await CloudToDeviceFixture.make(limits: limits)
        for index in 1...4 {
            try await hub.send("m", id: "m\(index)", ack: .positive)
            try await hub.queues.complete(hub.device, lockToken: try #require(hub.queues.receive(hub.device)).lockToken)
        }
        try await hub.queues.flush()
        #expect(hub.queues.feedback.count == 3 && hub.queues.feedback.droppedCount == 1)
        let first = try #require(hub.queues.feedback.receive())
        #expect(first.records.map(\.originalMessageID) == ["m2", "m3"])
        let second = try #require(hub.queues.feedback.receive())
        #expect(second.records.map(\.originalMessageID) == ["m4"])
        #expect(hub.queues.feedback.receive() == nil)
        try hub.queues.feedback.abandon(lockToken: second.lockToken)
        #expect(throws: HubError.deviceMessageLockLost()) { try hub.queues.feedback.abandon(lockToken: second.lockToken) }
        try await hub.queues.feedback.complete(lockToken: first.lockToken)
        await #expect(throws: HubError.deviceMessageLockLost()) { try await hub.queues.feedback.complete(lockToken: first.lockToken) }
        let third = try #require(hub.queues.feedback.receive())
        #expect(third.records.map(\.originalMessageID) == ["m4"])
        await hub.advance(seconds: 60)
        let fourth = try #require(hub.queues.feedback.receive())
        #expect(fourth.records.map(\.originalMessageID) == ["m4"])
        try await hub.queues.feedback.complete(lockToken: fourth.lockToken)
        #expect(hub.queues.feedback.count == 0)
        #expect(try await hub.store.loadCloudToDevice().feedback.isEmpty)
    }

    @Test("a restart reloads queues in order with their counts and feedback; a deleted device's messages go")
    func restart() async throws {
        let store = InMemoryCloudToDeviceStore()
        let clock = ManualClock()
        let first = try await CloudToDeviceFixture.make(store: store, clock: clock)
        _ = try await first.registry.createDevice(DeviceRequest(deviceID: "dev2"))
        try await first.send("a", ack: .full)
        try await first.send("b")
        try await first.send("other", to: IdentityKey(deviceID: "dev2"))
        try await first.queues.complete(first.device, lockToken: try #require(first.queues.receive(first.device)).lockToken)
        try await first.queues.abandon(first.device, lockToken: try #require(first.queues.receive(first.device)).lockToken)
        try await first.send("c")
        try await first.registry.deleteDevice("dev2", ifMatch: nil)
        try await first.queues.flush()

        let second = try await CloudToDeviceFixture.make(store: store, registry: first.registry, clock: clock)
        #expect(await second.queues.pendingCount(second.device) == 2)
        #expect(await second.queues.pendingCount(IdentityKey(deviceID: "dev2")) == 0)
        let connection = await second.connect()
        #expect(connection.bodies == ["b", "c"])
        try await second.send("d")
        #expect(connection.bodies == ["b", "c", "d"])
        try await second.queues.flush()
        #expect(try await store.loadCloudToDevice().messages.map(\.deliveryCount) == [2, 1, 1])
        #expect(try await second.feedbackCodes() == [.success])
    }

    @Test("a message reloaded after a restart still expires at its time to live, with Expired feedback")
    func reloadedMessageExpires() async throws {
        let store = InMemoryCloudToDeviceStore()
        let clock = ManualClock()
        let first = try await CloudToDeviceFixture.make(store: store, clock: clock)
        try await first.send("short", ack: .full, ttlSeconds: 10)
        try await first.send("long", ttlSeconds: 3_600)
        try await first.queues.flush()

        // The new shard arms its loaded messages' expiry timers once it is live.
        let second = try await CloudToDeviceFixture.make(store: store, registry: first.registry, clock: clock)
        await second.queues.waitForPostedEvents()
        await second.advance(seconds: 11)
        #expect(await second.queues.pendingCount(second.device) == 1)
        #expect(try await second.feedbackCodes() == [.expired])
        #expect(try await store.loadCloudToDevice().messages.map { String(decoding: $0.message.body, as: UTF8.self) } == ["long"])
    }

    private func drainFeedback(_ hub: CloudToDeviceFixture) async throws {
        try await hub.queues.flush()
        while let batch = hub.queues.feedback.receive() { try await hub.queues.feedback.complete(lockToken: batch.lockToken) }
    }
}
