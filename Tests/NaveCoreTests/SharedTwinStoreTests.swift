import NaveCore
import NaveModel
import NaveTestSupport
import Synchronization
import Testing

/// Two nodes sharing one twin store (issue #12: ports a clustered store can implement): each
/// has its own registry and twin service, neither is the only writer.
@Suite("Twins in a shared store")
struct SharedTwinStoreTests {
    static let device = IdentityKey(deviceID: "dev1")

    /// Two twin services over views of one `InMemoryTwinStore`, with registries loaded from one
    /// identity store holding `dev1`.
    struct TwoNodes {
        let clock = ManualClock()
        let first: DeviceTwins
        let second: DeviceTwins
        let secondRegistry: IdentityRegistry

        init(firstStore: (InMemoryTwinStore) -> any TwinStore = { $0 }) async throws {
            let (firstRegistry, secondRegistry) = try await twoNodeRegistries(clock: clock)
            self.secondRegistry = secondRegistry
            let store = InMemoryTwinStore()
            first = DeviceTwins(store: firstStore(store), registry: firstRegistry, clock: clock, telemetry: InMemoryTelemetrySink())
            second = DeviceTwins(store: store.otherWriter(), registry: secondRegistry, clock: clock, telemetry: InMemoryTelemetrySink())
        }
    }

    @Test("a change another node stored between this node's read and write is kept: the write is re-applied on top")
    func noLostUpdate() async throws {
        let racing = RacingTwinStore()
        let nodes = try await TwoNodes { store in
            racing.inner = store
            return racing
        }
        _ = try await nodes.first.twin(Self.device)
        // The first node's next save finds the second node's change already stored.
        racing.beforeNextSave = { _ = try? await nodes.second.updateTwin(Self.device, TwinUpdate(desired: ["b": 2]), ifMatch: "*") }
        let twin = try await nodes.first.updateTwin(Self.device, TwinUpdate(desired: ["a": 1]), ifMatch: "*")
        #expect(twin.desired.values["a"] == .integer(1) && twin.desired.values["b"] == .integer(2), "neither change is lost")
        #expect(twin.desired.version == 3)
        let seen = try await nodes.second.twin(Self.device)
        #expect(seen.desired.version == 3 && seen.desired.values["a"] == .integer(1))
    }

    @Test("If-Match against a twin another node changed meanwhile fails with 412, not with a silent overwrite")
    func etagAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        let read = try await nodes.first.twin(Self.device)
        _ = try await nodes.second.updateTwin(Self.device, TwinUpdate(desired: ["b": 2]), ifMatch: "*")
        await #expect(throws: HubError.preconditionFailed()) {
            try await nodes.first.updateTwin(Self.device, TwinUpdate(desired: ["a": 1]), ifMatch: read.etag)
        }
    }

    @Test("a desired change stored by another node reaches the device connected here, as a delta with $version")
    func notificationFromAnotherNode() async throws {
        let nodes = try await TwoNodes()
        let connection = RecordingConnection()
        nodes.secondRegistry.connections.register(connection, as: Self.device, at: nodes.clock.now())
        _ = try await nodes.first.updateTwin(Self.device, TwinUpdate(desired: ["a": 1, "b": 2]), ifMatch: "*")
        _ = try await nodes.first.updateTwin(Self.device, TwinUpdate(desired: ["b": nil]), ifMatch: "*")
        _ = try await nodes.first.updateTwin(Self.device, TwinUpdate(tags: ["t": 1]), ifMatch: "*")
        #expect(connection.desiredPatches.map(\.version) == [2, 3], "tags alone send nothing")
        #expect(connection.desiredPatches.map(\.body) == [#"{"a":1,"b":2,"$version":2}"#, #"{"b":null,"$version":3}"#])
    }
}

/// A twin store view that runs `beforeNextSave` once, before its next versioned save: another
/// writer's change lands between this writer's read and its write.
final class RacingTwinStore: TwinStore, @unchecked Sendable {
    // @unchecked: set up before the racing call and read by that one call.
    var inner: InMemoryTwinStore!
    var beforeNextSave: (@Sendable () async -> Void)?

    func loadTwin(_ key: IdentityKey) async throws -> Twin? { try await inner.loadTwin(key) }
    func loadAllTwins() async throws -> [Twin] { try await inner.loadAllTwins() }

    func saveTwin(_ twin: Twin, expecting expected: StoredTwinVersion?) async throws {
        if let race = beforeNextSave {
            beforeNextSave = nil
            await race()
        }
        try await inner.saveTwin(twin, expecting: expected)
    }

    func observeOtherWriters(_ observer: @escaping @Sendable (TwinStoreChange) -> Void) { inner.observeOtherWriters(observer) }
    func deleteTwin(_ key: IdentityKey) async throws { try await inner.deleteTwin(key) }
    func deleteTwins(deviceID: String) async throws { try await inner.deleteTwins(deviceID: deviceID) }
}
