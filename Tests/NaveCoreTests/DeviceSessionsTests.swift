import NaveCore
import NaveModel
import Synchronization
import Testing

/// A session store that records the order of saves and can refuse them.
final class RecordingSessionStore: DeviceSessionStore {
    let inner = InMemoryDeviceSessionStore()
    let saves = Mutex<[(String, DeviceSubscriptions)]>([])
    let refuse = Atomic<Bool>(false)
    struct Refused: Error {}

    func loadSessions() async throws -> [String: DeviceSubscriptions] { try await inner.loadSessions() }

    func save(clientID: String, _ subscriptions: DeviceSubscriptions) async throws {
        if refuse.load(ordering: .relaxed) { throw Refused() }
        saves.withLock { $0.append((clientID, subscriptions)) }
        try await inner.save(clientID: clientID, subscriptions)
    }
}

@Suite("Device sessions")
struct DeviceSessionsTests {
    @Test("changes are visible at once and stored in the order they happened")
    func orderedWriteThrough() async throws {
        let store = RecordingSessionStore()
        let sessions = try await DeviceSessions(store: store)
        for step in 0..<50 {
            sessions.update("dev1", to: step.isMultiple(of: 2) ? [.methods] : [.methods, .cloudToDevice])
            #expect(sessions.subscriptions(of: "dev1") == (step.isMultiple(of: 2) ? [.methods] : [.methods, .cloudToDevice]))
        }
        await sessions.flush()
        #expect(store.saves.withLock { $0.count } == 50, "every change is stored (none repeated as no-ops)")
        #expect(try await store.loadSessions()["dev1"] == [.methods, .cloudToDevice], "the last change wins in the store")
    }

    @Test("unchanged sets are not written; an empty set removes the session")
    func emptyRemoves() async throws {
        let store = RecordingSessionStore()
        let sessions = try await DeviceSessions(store: store)
        sessions.update("dev1/m1", to: [.twinResponses])
        sessions.update("dev1/m1", to: [.twinResponses])
        sessions.update("dev1/m1", to: [])
        await sessions.flush()
        #expect(store.saves.withLock { $0.count } == 2)
        #expect(try await store.loadSessions()["dev1/m1"] == nil)
        let reloaded = try await DeviceSessions(store: store)
        #expect(reloaded.subscriptions(of: "dev1/m1") == [])
    }

    @Test("a refused write is retried with the next change and nothing is lost")
    func retryAfterFailure() async throws {
        let store = RecordingSessionStore()
        let sessions = try await DeviceSessions(store: store)
        store.refuse.store(true, ordering: .relaxed)
        sessions.update("dev1", to: [.methods])
        await sessions.flush()
        #expect(try await store.loadSessions()["dev1"] == nil)
        store.refuse.store(false, ordering: .relaxed)
        sessions.update("dev2", to: [.cloudToDevice])
        await sessions.flush()
        let stored = try await store.loadSessions()
        #expect(stored["dev1"] == [.methods] && stored["dev2"] == [.cloudToDevice])
    }

    @Test("sessions come back from the store")
    func reload() async throws {
        let store = InMemoryDeviceSessionStore()
        try await store.save(clientID: "dev1", [.desiredPatches, .twinResponses])
        let sessions = try await DeviceSessions(store: store)
        #expect(sessions.subscriptions(of: "dev1") == [.desiredPatches, .twinResponses])
    }
}
