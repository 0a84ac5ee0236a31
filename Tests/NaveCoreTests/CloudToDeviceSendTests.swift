@testable import NaveCore
import NaveModel
import Synchronization
import Testing

/// The send that answers through a callback (`CloudToDeviceQueues.send(to:message:ttlSeconds:answer:)`,
/// what the AMQP head uses from its loop): durable before the answer, refusals answered, a
/// failed store write leaves nothing queued and no place taken.
@Suite("Cloud-to-device sends answered by callback")
struct CloudToDeviceSendTests {
    @Test("the answer waits for the store: none while the write is held, the receipt once it is stored")
    func answerAfterStore() async throws {
        let store = GatedCloudToDeviceStore()
        let hub = try await CloudToDeviceFixture.make(store: store)
        let answers = AnswerBox()
        store.hold()
        hub.queues.send(to: hub.device, message: DeviceMessage(body: Array("held".utf8)), answer: answers.record)
        await store.waitUntilHolding()
        await hub.queues.waitForPostedEvents()
        #expect(answers.results.isEmpty)
        #expect(try await store.loadCloudToDevice().messages.isEmpty)
        store.release()
        let result = try #require(await answers.first())
        let receipt = try result.get()
        #expect(receipt.cloudToDeviceMessageCount == 1)
        #expect(receipt.queued.message.body == Array("held".utf8))
        #expect(try await store.loadCloudToDevice().messages.map(\.sequenceNumber) == [receipt.queued.sequenceNumber])
        #expect(await hub.queues.pendingCount(hub.device) == 1)
    }

    @Test("refusals reach the answer: unknown device 404001, a module 400004, a full queue 403004")
    func refusalsAnswered() async throws {
        let hub = try await CloudToDeviceFixture.make(queueDepthMax: 1)
        try await hub.send("first")
        let answers = AnswerBox()
        let message = DeviceMessage(body: [1])
        hub.queues.send(to: IdentityKey(deviceID: "nobody"), message: message, answer: answers.record)
        hub.queues.send(to: IdentityKey(deviceID: "dev1", moduleID: "m"), message: message, answer: answers.record)
        hub.queues.send(to: hub.device, message: message, answer: answers.record)
        let results = await answers.waitFor(3)
        let codes = results.map { result -> Int? in
            guard case .failure(let error) = result else { return nil }
            return error.code
        }
        #expect(codes == [404001, 400004, 403004])
    }

    @Test("a refused store write fails the send, queues nothing and frees its place in the queue")
    func storeFailure() async throws {
        let store = GatedCloudToDeviceStore()
        let hub = try await CloudToDeviceFixture.make(queueDepthMax: 1, store: store)
        store.refuseNext()
        let answers = AnswerBox()
        hub.queues.send(to: hub.device, message: DeviceMessage(body: [1]), answer: answers.record)
        let result = try #require(await answers.first())
        #expect(throws: HubError.self) { try result.get() }
        #expect(await hub.queues.pendingCount(hub.device) == 0)
        try await hub.send("fits")
        #expect(await hub.queues.pendingCount(hub.device) == 1)
    }

    @Test("a lock token or message id is a version-4 UUID's lower-case text")
    func uuidText() {
        #expect(CloudToDeviceRules.uuid(Array(0..<16)) == "00010203-0405-4607-8809-0a0b0c0d0e0f")
        #expect(CloudToDeviceRules.uuid(Array(repeating: 0xFF, count: 16)) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        #expect(CloudToDeviceRules.uuid(Array(repeating: 0, count: 16)) == "00000000-0000-4000-8000-000000000000")
    }
}

/// Collects answers; `waitFor` polls with yields (answers arrive from the shard's executor).
final class AnswerBox: Sendable {
    private let stored = Mutex<[Result<CloudToDeviceSendReceipt, HubError>]>([])

    var record: CloudToDeviceQueues.SendAnswer { { [self] result in stored.withLock { $0.append(result) } } }

    var results: [Result<CloudToDeviceSendReceipt, HubError>] { stored.withLock { $0 } }

    func waitFor(_ count: Int) async -> [Result<CloudToDeviceSendReceipt, HubError>] {
        for _ in 0..<100_000 where results.count < count { await Task.yield() }
        return results
    }

    func first() async -> Result<CloudToDeviceSendReceipt, HubError>? { await waitFor(1).first }
}

/// An in-memory store whose writes can be held (to see what happens before a write is stored)
/// or refused once.
final class GatedCloudToDeviceStore: CloudToDeviceStore {
    private struct State {
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []
        var refuseNext = false
    }

    private struct Refused: Error {}

    private let inner = InMemoryCloudToDeviceStore()
    private let state = Mutex(State())

    func hold() { state.withLock { $0.holding = true } }

    func refuseNext() { state.withLock { $0.refuseNext = true } }

    func release() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }

    func waitUntilHolding() async {
        for _ in 0..<100_000 where state.withLock({ $0.held.isEmpty }) { await Task.yield() }
    }

    func loadCloudToDevice() async throws -> CloudToDeviceSnapshot { try await inner.loadCloudToDevice() }

    func apply(_ changes: [CloudToDeviceChange]) async throws {
        let refuse = state.withLock { state in
            defer { state.refuseNext = false }
            return state.refuseNext
        }
        if refuse { throw Refused() }
        await withCheckedContinuation { continuation in
            let parked = state.withLock { state in
                guard state.holding else { return false }
                state.held.append(continuation)
                return true
            }
            if !parked { continuation.resume() }
        }
        try await inner.apply(changes)
    }

    func observeOtherWriters(_ observer: @escaping @Sendable ([CloudToDeviceStoreChange]) -> Void) {}
}
