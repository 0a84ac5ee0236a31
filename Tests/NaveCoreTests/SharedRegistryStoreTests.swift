import NaveCore
import NaveModel
import NaveTestSupport
import Synchronization
import Testing

/// Two nodes sharing one identity store (issue #12: ports a clustered store can implement):
/// each has its own registry, neither is the only writer. Node B's view can lag: its notices of
/// A's batches are held until the test delivers them, as a notification still on the wire, so
/// the store's own version check is what a stale write meets.
@Suite("Registry in a shared store")
struct SharedRegistryStoreTests {
    struct TwoNodes {
        let store = InMemoryIdentityStore()
        let lagging: LaggingIdentityStore
        let a: IdentityRegistry
        let b: IdentityRegistry

        init() async throws {
            let clock = ManualClock()
            lagging = LaggingIdentityStore(store.otherWriter())
            a = try await IdentityRegistry(store: store, clock: clock, random: SeededHubRandom(seed: 1))
            b = try await IdentityRegistry(store: lagging, clock: clock, random: SeededHubRandom(seed: 2))
        }

        /// B hears everything A stored so far, and has applied it.
        func bCatchesUp() async {
            lagging.deliverHeld()
            await b.otherWritersApplied()
        }
    }

    @Test("a device, module and policy created on one node are visible on the other")
    func visibleAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        #expect(nodes.a.policies == nodes.b.policies, "the second node found the first one's default policies")
        let device = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev1"))
        let module = try await nodes.a.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        let policy = try await nodes.a.createPolicy(name: "extra", rights: [.registryRead])
        await nodes.bCatchesUp()
        #expect(nodes.b.device("dev1") == device)
        #expect(nodes.b.module("dev1", "m1") == module)
        #expect(nodes.b.policy(named: "extra") == policy)
        try await nodes.a.deleteDevice("dev1", ifMatch: nil)
        await nodes.bCatchesUp()
        #expect(nodes.b.device("dev1") == nil && nodes.b.module("dev1", "m1") == nil)
    }

    @Test("If-Match with the etag B read, after A changed the device, is 412 even before B heard of the change")
    func staleEtagAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        _ = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev1"))
        await nodes.bCatchesUp()
        let read = try #require(nodes.b.device("dev1"))
        let between = try await nodes.a.updateDevice(DeviceRequest(deviceID: "dev1", statusReason: "by A"), ifMatch: read.etag)
        let changed = try await nodes.a.updateDevice(DeviceRequest(deviceID: "dev1", statusReason: "by A again"), ifMatch: between.etag)
        #expect(nodes.b.device("dev1") == read, "B has not heard yet")
        await #expect(throws: HubError.preconditionFailed()) {
            try await nodes.b.updateDevice(DeviceRequest(deviceID: "dev1", statusReason: "by B"), ifMatch: read.etag)
        }
        #expect(nodes.b.device("dev1") == changed, "the refused write read the row again")
        await #expect(throws: HubError.preconditionFailed()) {
            try await nodes.b.deleteDevice("dev1", ifMatch: read.etag)
        }
        // The notices that arrive late do not take B back to an older device, not even for a while.
        nodes.lagging.deliverOldest()
        await nodes.b.otherWritersApplied()
        #expect(nodes.b.device("dev1") == changed, "A's first update is older than what B read again")
        await nodes.bCatchesUp()
        #expect(nodes.b.device("dev1") == changed)
        #expect(try await nodes.store.loadRegistry().devices == [changed])
    }

    @Test("an unconditional update on a node that has not heard of the other's change is planned again on it")
    func unconditionalUpdateReplanned() async throws {
        let nodes = try await TwoNodes()
        _ = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev1"))
        await nodes.bCatchesUp()
        _ = try await nodes.a.updateDevice(DeviceRequest(deviceID: "dev1", statusReason: "by A"), ifMatch: nil)
        let updated = try await nodes.b.updateDevice(DeviceRequest(deviceID: "dev1", statusReason: "by B"), ifMatch: "*")
        #expect(updated.etag == ETag.next(after: ETag.next(after: ETag.initial)), "etag 3: after A's change, not a second etag 2")
        #expect(try await nodes.store.loadRegistry().devices == [updated])
        await nodes.bCatchesUp()
        #expect(nodes.a.device("dev1") == updated)
    }

    @Test("a create of an id the other node created is 409, even before this node heard of it")
    func createOfOtherNodesDevice() async throws {
        let nodes = try await TwoNodes()
        let first = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev1"))
        await #expect(throws: HubError.deviceAlreadyExists(deviceID: "dev1")) {
            try await nodes.b.createDevice(DeviceRequest(deviceID: "dev1"))
        }
        _ = try await nodes.a.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        await #expect(throws: HubError.moduleAlreadyExistsOnDevice(deviceID: "dev1", moduleID: "m1")) {
            try await nodes.b.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        }
        _ = try await nodes.a.createPolicy(name: "extra", rights: [.registryRead])
        await #expect(throws: HubError.policyAlreadyExists(name: "extra")) {
            try await nodes.b.createPolicy(name: "extra", rights: [.serviceConnect])
        }
        #expect(try await nodes.store.loadRegistry().devices == [first])
    }

    @Test("the last two policies deleted on two nodes at once: one deletion is refused, a policy remains")
    func lastPolicyAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        for policy in nodes.a.policies.dropFirst(2) { try await nodes.a.deletePolicy(name: policy.name) }
        await nodes.bCatchesUp()
        let (first, second) = (nodes.a.policies[0].name, nodes.a.policies[1].name)
        #expect(nodes.b.policies.map(\.name) == [first, second])
        try await nodes.a.deletePolicy(name: first)
        await #expect(throws: HubError.argumentInvalid("the last policy cannot be deleted")) {
            try await nodes.b.deletePolicy(name: second)
        }
        #expect(try await nodes.store.loadRegistry().policies.map(\.name) == [second])
    }

    @Test("concurrent creates of one id on two nodes: exactly one succeeds, the other is 409", arguments: 0..<20)
    func concurrentCreates(round: Int) async throws {
        let nodes = try await TwoNodes()
        nodes.lagging.deliversAtOnce()
        async let onA = outcome { () async throws(HubError) in try await nodes.a.createDevice(DeviceRequest(deviceID: "dev\(round)")) }
        async let onB = outcome { () async throws(HubError) in try await nodes.b.createDevice(DeviceRequest(deviceID: "dev\(round)")) }
        let outcomes = await [onA, onB]
        let created = outcomes.compactMap { try? $0.get() }
        #expect(created.count == 1)
        #expect(outcomes.contains { if case .failure(let error) = $0 { error == .deviceAlreadyExists(deviceID: "dev\(round)") } else { false } })
        #expect(try await nodes.store.loadRegistry().devices == created)
    }

    @Test("disabling, re-keying and deleting on one node end the other node's live connections")
    func revocationsAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        nodes.lagging.deliversAtOnce()
        let clock = ManualClock()
        for id in ["off", "rekeyed", "gone"] { _ = try await nodes.a.createDevice(DeviceRequest(deviceID: id)) }
        _ = try await nodes.a.putModule(ModuleRequest(deviceID: "gone", moduleID: "m1"), ifMatch: nil)
        await nodes.b.otherWritersApplied()
        var connections: [IdentityKey: RecordingConnection] = [:]
        for key in [IdentityKey(deviceID: "off"), IdentityKey(deviceID: "rekeyed"), IdentityKey(deviceID: "gone"),
                    IdentityKey(deviceID: "gone", moduleID: "m1")] {
            let connection = RecordingConnection()
            nodes.b.connections.register(connection, as: key, at: clock.now())
            connections[key] = connection
        }
        _ = try await nodes.a.updateDevice(DeviceRequest(deviceID: "off", status: .disabled), ifMatch: nil)
        _ = try await nodes.a.updateDevice(DeviceRequest(deviceID: "rekeyed", authentication: .sas(primaryKey: keyA, secondaryKey: keyB)),
                                           ifMatch: nil)
        try await nodes.a.deleteDevice("gone", ifMatch: nil)
        await nodes.b.otherWritersApplied()
        #expect(connections[IdentityKey(deviceID: "off")]?.revoked == [.deviceDisabled])
        #expect(connections[IdentityKey(deviceID: "rekeyed")]?.revoked == [.credentialsChanged])
        #expect(connections[IdentityKey(deviceID: "gone")]?.revoked == [.deviceDeleted])
        #expect(connections[IdentityKey(deviceID: "gone", moduleID: "m1")]?.revoked == [.deviceDeleted])
        #expect(!nodes.b.connections.presence(of: IdentityKey(deviceID: "gone")).isConnected, "the deleted device is forgotten")
    }

    @Test("a deletion this node learns by reading again after a conflict also ends its connections")
    func revocationFromReread() async throws {
        let nodes = try await TwoNodes()
        _ = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev1"))
        await nodes.bCatchesUp()
        let connection = RecordingConnection()
        nodes.b.connections.register(connection, as: IdentityKey(deviceID: "dev1"), at: ManualClock().now())
        try await nodes.a.deleteDevice("dev1", ifMatch: nil)
        await #expect(throws: HubError.deviceNotFound(deviceID: "dev1")) {
            try await nodes.b.updateDevice(DeviceRequest(deviceID: "dev1"), ifMatch: nil)
        }
        #expect(connection.revoked == [.deviceDeleted])
        await nodes.bCatchesUp()
        #expect(connection.revoked == [.deviceDeleted], "the late notice ends nothing twice")
    }

    @Test("a module write under a device the other node deleted is DeviceNotFound, even before this node heard of it")
    func moduleUnderDeletedDevice() async throws {
        let nodes = try await TwoNodes()
        _ = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await nodes.a.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        await nodes.bCatchesUp()
        try await nodes.a.deleteDevice("dev1", ifMatch: nil)
        await #expect(throws: HubError.deviceNotFound(deviceID: "dev1")) {
            try await nodes.b.deleteModule("dev1", "m1", ifMatch: nil)
        }
        _ = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev2"))
        await nodes.bCatchesUp()
        try await nodes.a.deleteDevice("dev2", ifMatch: nil)
        await #expect(throws: HubError.deviceNotFound(deviceID: "dev2")) {
            try await nodes.b.putModule(ModuleRequest(deviceID: "dev2", moduleID: "m1"), ifMatch: nil)
        }
        #expect(nodes.b.device("dev1") == nil && nodes.b.module("dev1", "m1") == nil && nodes.b.device("dev2") == nil)
        #expect(try await nodes.store.loadRegistry().modules.isEmpty)
    }

    @Test("a deletion on one node removes the other node's twin and tells its observers it was another writer's")
    func deletionObserversAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        nodes.lagging.deliversAtOnce()
        let clock = ManualClock()
        let twinStore = InMemoryTwinStore()
        let eventsOnB = InMemoryTelemetrySink()
        let twins = DeviceTwins(store: twinStore, registry: nodes.b, clock: clock, telemetry: eventsOnB)
        let observer = RecordingDeletionObserver()
        nodes.b.addDeletionObserver(observer)
        _ = HubEvents(registry: nodes.b, sink: eventsOnB, clock: clock)
        _ = try await nodes.a.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await nodes.a.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        await nodes.b.otherWritersApplied()
        _ = try await twins.twin(IdentityKey(deviceID: "dev1"))
        _ = try await twins.twin(IdentityKey(deviceID: "dev1", moduleID: "m1"))
        #expect(twinStore.count == 2)
        try await nodes.a.deleteModule("dev1", "m1", ifMatch: nil)
        await nodes.b.otherWritersApplied()
        #expect(twinStore.count == 1)
        try await nodes.a.deleteDevice("dev1", ifMatch: nil)
        await nodes.b.otherWritersApplied()
        #expect(twinStore.count == 0)
        #expect(observer.otherWriters == ["dev1/m1", "dev1"])
        #expect(observer.local.isEmpty)
        #expect(eventsOnB.appended.isEmpty, "the lifecycle events are the deleting node's to record")
    }

    @Test("a node whose inbox overflowed reads the whole registry again in place of what it dropped")
    func inboxOverflow() async throws {
        let nodes = try await TwoNodes()
        nodes.lagging.deliversAtOnce()
        let blocking = BlockingDeletionObserver()
        nodes.b.addDeletionObserver(blocking)
        _ = try await nodes.a.createDevice(DeviceRequest(deviceID: "first"))
        try await nodes.a.deleteDevice("first", ifMatch: nil)
        await blocking.entered.wait()  // B's inbox is not being emptied now
        let writer = nodes.store.otherWriter()
        for index in 0..<(IdentityRegistry.otherWriterBatchesQueuedMax + 10) {
            try await writer.apply([.putPolicy(SharedAccessPolicy(name: "p\(index)", rights: [.registryRead], primaryKey: keyA,
                                                                  secondaryKey: keyB))])
        }
        blocking.release.open()
        await nodes.b.otherWritersApplied()
        #expect(nodes.b.policies == (try await nodes.store.loadRegistry().policies))
    }

    @Test("a write that meets another writer's change on every try gives up with 503")
    func boundedRetries() async throws {
        let nodes = try await TwoNodes()
        nodes.lagging.conflictsAlways.store(true, ordering: .relaxed)
        await #expect(throws: HubError.serviceUnavailable("The registry is being changed by other writers; try again.")) {
            try await nodes.b.createDevice(DeviceRequest(deviceID: "dev1"))
        }
        #expect(nodes.lagging.applies.load(ordering: .relaxed) == IdentityRegistry.conflictRetriesMax)
    }

    @Test("the store tells another view of each batch with what its rows held before, never the writer itself")
    func batchNotices() async throws {
        let store = InMemoryIdentityStore()
        let other = store.otherWriter()
        let heardHere = Mutex<[RegistryStoreChange]>([])
        let heardThere = Mutex<[RegistryStoreChange]>([])
        store.observeOtherWriters { batch in heardHere.withLock { $0.append(batch) } }
        other.observeOtherWriters { batch in heardThere.withLock { $0.append(batch) } }
        let policy = SharedAccessPolicy(name: "p", rights: [.registryRead], primaryKey: keyA, secondaryKey: keyB)
        try await store.apply([.putPolicy(policy)])
        try await store.apply([.deletePolicy(name: "p"), .putPolicy(policy)])
        #expect(heardHere.withLock { $0 }.isEmpty)
        #expect(heardThere.withLock { $0 } == [
            RegistryStoreChange(changes: [.putPolicy(policy)], previous: [.policy(name: "p"): .none]),
            RegistryStoreChange(changes: [.deletePolicy(name: "p"), .putPolicy(policy)], previous: [.policy(name: "p"): .policy(policy)]),
        ])
    }
}

/// The result of `body`, its failure kept as a value (for two racing calls).
func outcome<T>(_ body: () async throws(HubError) -> T) async -> Result<T, HubError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
