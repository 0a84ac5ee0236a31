import NaveModel
import Synchronization

/// The consumer groups of the built-in events endpoint (issue #13): `$Default` always, up to
/// `ConsumerGroupRules.groupsPerHubMax` in all. The AMQP endpoint asks `contains` on every
/// receiver attach, so reads come from a snapshot in memory under a lock, never from the
/// store; creates and deletes write through to the store and show only once it has them.
///
/// Groups cost devices nothing: they are only names readers present, and each reader keeps its
/// own position, so a slow or stopped reader never slows the event log or another group.
public final class ConsumerGroups: Sendable {
    /// A name's state. A create or delete reserves the name while its store write is in flight,
    /// so two concurrent changes of one name cannot both pass the checks and both write.
    private enum Entry: Sendable {
        case creating
        case live(ConsumerGroupInfo)
        case deleting(ConsumerGroupInfo)
    }

    let store: any ConsumerGroupStore
    /// The readers' checkpoints, removed with their group; nil where there are none.
    let checkpoints: (any CheckpointStore)?
    let clock: any HubClock
    /// Keyed by `ConsumerGroupRules.key` (case folded).
    private let entries: Mutex<[String: Entry]>
    private let deletionObservers = ConsumerGroupDeletionObservers()

    /// Groups as loaded from `store` (`open` loads them); `$Default` is added, created now, when
    /// `loaded` lacks it.
    public init(store: any ConsumerGroupStore, loaded: [ConsumerGroupInfo], checkpoints: (any CheckpointStore)?, clock: any HubClock) {
        self.store = store
        self.checkpoints = checkpoints
        self.clock = clock
        var entries: [String: Entry] = [:]
        for group in loaded { entries[ConsumerGroupRules.key(group.name)] = .live(group) }
        let defaultKey = ConsumerGroupRules.key(ConsumerGroupInfo.defaultName)
        if entries[defaultKey] == nil {
            entries[defaultKey] = .live(ConsumerGroupInfo(name: ConsumerGroupInfo.defaultName, createdAt: clock.now()))
        }
        self.entries = Mutex(entries)
    }

    /// Loads the groups from `store`; on a store without `$Default` (a new hub) stores it, so
    /// its `createdAt` stays what it was at the first opening.
    public static func open(store: any ConsumerGroupStore, checkpoints: (any CheckpointStore)?,
                            clock: any HubClock) async throws -> ConsumerGroups {
        var loaded = try await store.loadConsumerGroups()
        let defaultKey = ConsumerGroupRules.key(ConsumerGroupInfo.defaultName)
        if !loaded.contains(where: { ConsumerGroupRules.key($0.name) == defaultKey }) {
            let group = ConsumerGroupInfo(name: ConsumerGroupInfo.defaultName, createdAt: clock.now())
            do {
                try await store.createConsumerGroup(group)
                loaded.append(group)
            } catch ConsumerGroupStoreError.alreadyExists {
                // Another node sharing the store made it first: take its group, and its time.
                loaded = try await store.loadConsumerGroups()
            }
        }
        return ConsumerGroups(store: store, loaded: loaded, checkpoints: checkpoints, clock: clock)
    }

    // MARK: Reads

    /// Whether a group by that name (in any case) exists: what a receiver attach checks.
    /// A group being deleted no longer counts.
    public func contains(_ name: String) -> Bool {
        group(named: name) != nil
    }

    /// The group by that name in any case, with the spelling it was created with (the name
    /// readers' checkpoints are kept under); nil when there is none.
    public func group(named name: String) -> ConsumerGroupInfo? {
        let key = ConsumerGroupRules.key(name)
        return entries.withLock { entries in
            if case .live(let group) = entries[key] { group } else { nil }
        }
    }

    /// Every group, ordered by name without regard to case (`$Default` first).
    public func list() -> [ConsumerGroupInfo] {
        let live = entries.withLock { entries in
            entries.compactMap { key, entry in if case .live(let group) = entry { (key, group) } else { nil } }
        }
        return live.sorted { $0.0 < $1.0 }.map(\.1)
    }

    // MARK: Changes

    /// Creates a group: 409 when one by that name exists in any case (`$Default` always does),
    /// 400 for a name outside Event Hubs' rule, 403 at `groupsPerHubMax`.
    public func create(_ name: String) async throws(HubError) -> ConsumerGroupInfo {
        let key = ConsumerGroupRules.key(name)
        // Reserved before the name rule, which `$Default` fails: it exists, so 409 as for any other.
        if key == ConsumerGroupRules.key(ConsumerGroupInfo.defaultName) { throw .consumerGroupAlreadyExists(name: name) }
        try ConsumerGroupRules.validate(name: name)
        try entries.withLock { entries throws(HubError) in
            guard entries[key] == nil else { throw .consumerGroupAlreadyExists(name: name) }
            guard entries.count < ConsumerGroupRules.groupsPerHubMax else {
                throw .consumerGroupQuotaExceeded(groupsMax: ConsumerGroupRules.groupsPerHubMax)
            }
            entries[key] = .creating
        }
        let group = ConsumerGroupInfo(name: name, createdAt: clock.now())
        do {
            try await store.createConsumerGroup(group)
        } catch {
            _ = entries.withLock { $0.removeValue(forKey: key) }
            if case .alreadyExists? = error as? ConsumerGroupStoreError { throw .consumerGroupAlreadyExists(name: name) }
            throw .storeRefused(error, what: "the consumer group", context: "consumer group store failed")
        }
        entries.withLock { $0[key] = .live(group) }
        return group
    }

    /// Deletes a group and its readers' checkpoints, then tells the deletion observers: 404 for
    /// none by that name, 400 for `$Default`. The checkpoints go first: should the group's own
    /// removal then fail, the group stays (its readers restart from their start position) and
    /// the same delete can be tried again.
    public func delete(_ name: String) async throws(HubError) {
        let key = ConsumerGroupRules.key(name)
        if key == ConsumerGroupRules.key(ConsumerGroupInfo.defaultName) {
            throw .invalidOperation("The \(ConsumerGroupInfo.defaultName) consumer group cannot be deleted.")
        }
        let group = try entries.withLock { entries throws(HubError) in
            guard case .live(let group) = entries[key] else { throw .consumerGroupNotFound(name: name) }
            entries[key] = .deleting(group)
            return group
        }
        do {
            try await checkpoints?.deleteCheckpoints(of: group.name)
            try await store.deleteConsumerGroup(named: group.name)
        } catch {
            entries.withLock { $0[key] = .live(group) }
            throw .storeRefused(error, what: "the consumer group's deletion", context: "consumer group store failed")
        }
        _ = entries.withLock { $0.removeValue(forKey: key) }
        deletionObservers.notify(group)
    }

    // MARK: Observers

    /// Calls `handler` with every group deleted from now on, once it is gone (the AMQP
    /// endpoint detaches the group's receivers). The handler runs on the deleting task and must
    /// not block; keep the result to stop with `removeObserver`.
    public func onDelete(_ handler: @escaping @Sendable (ConsumerGroupInfo) -> Void) -> ConsumerGroupObservation {
        deletionObservers.add(handler)
    }

    /// Stops the calls registered as `observation`; unknown or removed ones are ignored.
    public func removeObserver(_ observation: ConsumerGroupObservation) {
        deletionObservers.remove(observation)
    }
}
