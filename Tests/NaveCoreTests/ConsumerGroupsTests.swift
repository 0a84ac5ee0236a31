import NaveCore
import NaveModel
import NaveTestSupport
import Synchronization
import Testing

/// A consumer group store that can refuse, counts the creates that reach it, and yields inside
/// each write so concurrent changes interleave at the await.
final class ScriptedConsumerGroupStore: ConsumerGroupStore {
    let inner = InMemoryConsumerGroupStore()
    let refusal = Mutex<ConsumerGroupStoreError?>(nil)
    let creates = Atomic<Int>(0)

    func loadConsumerGroups() async throws -> [ConsumerGroupInfo] { try await inner.loadConsumerGroups() }

    func createConsumerGroup(_ group: ConsumerGroupInfo) async throws {
        await Task.yield()
        if let refusal = refusal.withLock({ $0 }) { throw refusal }
        creates.add(1, ordering: .relaxed)
        try await inner.createConsumerGroup(group)
    }

    func deleteConsumerGroup(named name: String) async throws {
        await Task.yield()
        if let refusal = refusal.withLock({ $0 }) { throw refusal }
        try await inner.deleteConsumerGroup(named: name)
    }
}

@Suite("Consumer groups")
struct ConsumerGroupsTests {
    let clock = ManualClock()

    func open(_ store: any ConsumerGroupStore = InMemoryConsumerGroupStore(),
              checkpoints: (any CheckpointStore)? = nil) async throws -> ConsumerGroups {
        try await ConsumerGroups.open(store: store, checkpoints: checkpoints, clock: clock)
    }

    @Test("$Default always exists, in any case, is stored once at the first opening, and cannot be deleted or created")
    func defaultGroup() async throws {
        let store = InMemoryConsumerGroupStore()
        let groups = try await open(store)
        #expect(groups.contains("$Default") && groups.contains("$default") && groups.contains("$DEFAULT"))
        #expect(groups.list() == [ConsumerGroupInfo(name: "$Default", createdAt: clock.now())])
        clock.advance(seconds: 60)
        let reopened = try await open(store)
        #expect(reopened.list().map(\.createdAt) == [Timestamp(secondsSinceEpoch: 1_700_000_000)], "kept from the first opening")
        #expect(try await store.loadConsumerGroups().count == 1)

        let deletion = await #expect(throws: HubError.self) { try await groups.delete("$default") }
        #expect(deletion?.code == 400_003 && deletion?.status == 400)
        for name in ["$Default", "$DEFAULT"] {
            let creation = await #expect(throws: HubError.self) { try await groups.create(name) }
            #expect(creation?.code == 409_000 && creation?.name == "ConsumerGroupAlreadyExists", "\(name)")
        }
        #expect(groups.contains("$Default"))
    }

    @Test("names follow Event Hubs' rule: 1-50 letters, digits, '.', '_', '-', a letter or digit at each end",
          arguments: [("a", true), ("Z9", true), ("analytics.v2_eu-west", true), (String(repeating: "g", count: 50), true),
                      ("", false), (String(repeating: "g", count: 51), false), ("-a", false), ("a-", false), (".a", false),
                      ("a_", false), ("a b", false), ("a/b", false), ("$foo", false), ("café", false), ("a\u{0}", false)])
    func nameRule(name: String, valid: Bool) async throws {
        let groups = try await open()
        if valid {
            #expect(try await groups.create(name).name == name)
            #expect(groups.contains(name.uppercased()))
        } else {
            let error = await #expect(throws: HubError.self) { try await groups.create(name) }
            #expect(error?.code == 400_004)
            #expect(groups.list().count == 1)
        }
    }

    @Test("create: stored with the clock's time and its own spelling; the same name in another case is 409")
    func create() async throws {
        let store = InMemoryConsumerGroupStore()
        let groups = try await open(store)
        clock.advance(seconds: 5)
        let created = try await groups.create("Analytics")
        #expect(created == ConsumerGroupInfo(name: "Analytics", createdAt: Timestamp(secondsSinceEpoch: 1_700_000_005)))
        #expect(groups.contains("analytics") && groups.group(named: "ANALYTICS") == created)
        let error = await #expect(throws: HubError.self) { try await groups.create("analytics") }
        #expect(error == .consumerGroupAlreadyExists(name: "analytics"))
        _ = try await groups.create("archive")
        #expect(groups.list().map(\.name) == ["$Default", "Analytics", "archive"], "ordered without regard to case")
        #expect(try await open(store).list() == groups.list(), "what a new opening loads")
    }

    @Test("at most groupsPerHubMax groups, $Default included: 403, and a deletion frees a place")
    func bound() async throws {
        let groups = try await open()
        for index in 1..<ConsumerGroupRules.groupsPerHubMax { _ = try await groups.create("g\(index)") }
        #expect(groups.list().count == 20)
        let error = await #expect(throws: HubError.self) { try await groups.create("one-more") }
        #expect(error == .consumerGroupQuotaExceeded(groupsMax: 20) && error?.status == 403)
        try await groups.delete("g1")
        _ = try await groups.create("one-more")
    }

    @Test("delete: 404 for an unknown group; the group's checkpoints go in any case, others' stay; observers hear once")
    func delete() async throws {
        let checkpoints = InMemoryCheckpointStore()
        let groups = try await open(checkpoints: checkpoints)
        _ = try await groups.create("Analytics")
        _ = try await groups.create("archive")
        try await checkpoints.save([0: 7, 1: 3], for: "Analytics")
        try await checkpoints.save([0: 9], for: "analytics")
        try await checkpoints.save([0: 5], for: "archive")
        let told = Mutex<[String]>([])
        let observation = groups.onDelete { group in told.withLock { $0.append(group.name) } }

        let unknown = await #expect(throws: HubError.self) { try await groups.delete("nothing") }
        #expect(unknown == .consumerGroupNotFound(name: "nothing") && unknown?.status == 404)
        try await groups.delete("ANALYTICS")
        #expect(!groups.contains("analytics") && groups.list().map(\.name) == ["$Default", "archive"])
        #expect(try await checkpoints.checkpoints(of: "Analytics") == [:])
        #expect(try await checkpoints.checkpoints(of: "analytics") == [:])
        #expect(try await checkpoints.checkpoints(of: "archive") == [0: 5])
        #expect(told.withLock { $0 } == ["Analytics"], "the group as created")
        let again = await #expect(throws: HubError.self) { try await groups.delete("Analytics") }
        #expect(again?.status == 404)

        groups.removeObserver(observation)
        try await groups.delete("archive")
        #expect(told.withLock { $0 } == ["Analytics"], "a removed observer is not told")
    }

    @Test("a store refusal fails the change (503 when full, 500 otherwise) and leaves the groups as they were")
    func storeRefusal() async throws {
        let store = ScriptedConsumerGroupStore()
        let groups = try await open(store)
        _ = try await groups.create("kept")
        store.refusal.withLock { $0 = .full("no room") }
        let full = await #expect(throws: HubError.self) { try await groups.create("new") }
        #expect(full?.status == 503)
        #expect(!groups.contains("new"))
        let deletion = await #expect(throws: HubError.self) { try await groups.delete("kept") }
        #expect(deletion?.status == 503)
        #expect(groups.contains("kept"), "a deletion the store refused leaves the group")
        store.refusal.withLock { $0 = .storage("disk error") }
        let failed = await #expect(throws: HubError.self) { try await groups.create("new") }
        #expect(failed?.status == 500)

        store.refusal.withLock { $0 = nil }
        _ = try await groups.create("new")
        try await groups.delete("kept")
        #expect(groups.list().map(\.name) == ["$Default", "new"])
    }

    @Test("concurrent creates of one name (in any case): one succeeds, the others get 409, one write reaches the store")
    func concurrentCreates() async throws {
        let store = ScriptedConsumerGroupStore()
        let groups = try await open(store)
        let creates = store.creates.load(ordering: .relaxed)
        let outcomes = await withTaskGroup(of: Int.self) { group in
            for index in 0..<16 {
                group.addTask {
                    do throws(HubError) {
                        _ = try await groups.create(index.isMultiple(of: 2) ? "race" : "RACE")
                        return 200
                    } catch {
                        return error.status
                    }
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == 200 }.count == 1 && outcomes.filter { $0 == 409 }.count == 15)
        #expect(store.creates.load(ordering: .relaxed) - creates == 1)
    }

    @Test("a hub exposes its consumer groups: Hub.inMemory opens them over the given store, beside the reader's checkpoints")
    func hubFacade() async throws {
        let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SeededHubRandom())
        let store = InMemoryConsumerGroupStore()
        try await store.createConsumerGroup(ConsumerGroupInfo(name: "existing", createdAt: Timestamp(secondsSinceEpoch: 1)))
        let hub = try await Hub.inMemory(registry: registry, clock: clock, scheduler: ManualScheduler(), random: SeededHubRandom(),
                                         telemetry: InMemoryTelemetrySink(clock: clock), consumerGroupStore: store)
        #expect(hub.consumerGroups.list().map(\.name) == ["$Default", "existing"])
        #expect(try await store.loadConsumerGroups().count == 2, "$Default stored at the first opening")
    }
}

/// One partition that never holds an event: enough for a read to reach its checkpoint save.
struct EmptyEventSource: EventSource {
    var partitionCount: Int { 1 }
    func partitionInfo(_ partition: Int) throws(HubError) -> EventPartitionInfo {
        EventPartitionInfo(partition: partition, beginSequenceNumber: 0, lastSequenceNumber: -1, lastOffset: -1, lastEnqueuedTime: nil)
    }
    func records(partition: Int, from start: EventStartPosition, maxCount: Int) throws(HubError) -> [EventRecord] { [] }
    func withRecords(partition: Int, from start: EventStartPosition, maxCount: Int,
                     _ body: (EventRecordView) -> Bool) throws(HubError) -> Int { 0 }
    func awaitAppend(partition: Int, after sequenceNumber: Int64) async {}
}

@Suite("Consumer groups: event reads")
struct ConsumerGroupEventReadTests {
    @Test("a read names an existing group (404 otherwise), checkpoints under its own spelling; after deletion, 404 and no checkpoints")
    func readsNameExistingGroups() async throws {
        let clock = ManualClock()
        let checkpoints = InMemoryCheckpointStore()
        let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SeededHubRandom())
        let hub = try await Hub.inMemory(registry: registry, clock: clock, scheduler: ManualScheduler(), random: SeededHubRandom(),
                                         telemetry: InMemoryTelemetrySink(clock: clock),
                                         events: EventReader(source: EmptyEventSource(), checkpoints: checkpoints, scheduler: ManualScheduler()))
        let unknown = await #expect(throws: HubError.self) { try await hub.readEvents(EventReadRequest(consumerGroup: "analytics")) }
        #expect(unknown == .consumerGroupNotFound(name: "analytics"))

        _ = try await hub.consumerGroups.create("Analytics")
        _ = try await hub.readEvents(EventReadRequest(consumerGroup: "analytics"))
        #expect(try await checkpoints.checkpoints(of: "Analytics") == [0: 0])
        _ = try await hub.readEvents(EventReadRequest(consumerGroup: "$default"))
        #expect(try await checkpoints.checkpoints(of: "$Default") == [0: 0])
        _ = try await hub.readEvents(EventReadRequest())

        try await hub.consumerGroups.delete("Analytics")
        #expect(try await checkpoints.checkpoints(of: "Analytics") == [:])
        let deleted = await #expect(throws: HubError.self) { try await hub.readEvents(EventReadRequest(consumerGroup: "Analytics")) }
        #expect(deleted?.status == 404)
    }
}
