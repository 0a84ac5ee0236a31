import NaveModel
import NaveQuery
import Synchronization

/// Every stored twin in memory, so a query over the fleet reads no disk (issue #14: a GROUP BY
/// over 100,000 twins in 200 ms leaves no room for 100,000 loads).
///
/// The twin service tells it of every twin it stores or deletes, after the store accepted the
/// change, so it is never behind the store by more than the change in flight. It fills itself
/// from the store at its first read (`twins()`), not at start: a node that is never queried
/// never pays for it. Twins the fill reads and the service's own reports can interleave; the
/// rule that settles it is "a reported twin is never replaced by a loaded one" (a report is at
/// least as new as anything the fill read). A twin of an earlier identity of the same id may
/// linger (a deletion reported while the fill was reading it); readers ignore twins whose
/// generation is not the identity's.
public final class TwinCache: Sendable {
    private struct State {
        var twins: [IdentityKey: CachedTwin] = [:]
        /// Value indexes by path, made at the first query that can use one and kept current since.
        var indexes: [QueryPath: TwinValueIndex] = [:]

        mutating func put(_ key: IdentityKey, _ twin: Twin?) {
            let old: Twin?
            if let twin { old = twins.updateValue(CachedTwin(twin), forKey: key)?.twin } else { old = twins.removeValue(forKey: key)?.twin }
            guard !indexes.isEmpty else { return }
            for path in indexes.keys {
                if let old { indexes[path]?.remove(key, old) }
                if let twin { indexes[path]?.add(key, twin) }
            }
        }
    }

    private let state = Mutex<State>(State())
    /// Paths indexed at most: each index costs a set entry per twin holding a value there, and
    /// work on every twin write; past this many, further paths are scanned.
    public static let indexedPathsMax = 32
    private let filled = Atomic<Bool>(false)
    private let fillGate = WriteGate()

    public init() {}

    /// The twin service stored `twin` (its own write or another writer's).
    func stored(_ twin: Twin) {
        let key = IdentityKey(deviceID: twin.deviceID, moduleID: twin.moduleID)
        state.withLock { $0.put(key, twin) }
    }

    /// The twin of `key` was deleted.
    func removed(_ key: IdentityKey) {
        state.withLock { $0.put(key, nil) }
    }

    /// The twins of `deviceID` and all its modules were deleted.
    func removedDevice(_ deviceID: String) {
        state.withLock { state in
            for key in state.twins.keys where key.deviceID == deviceID { state.put(key, nil) }
        }
    }

    /// The cached twin of `key`, if the cache holds one (it holds every twin stored since start,
    /// and all of them once filled).
    func twin(_ key: IdentityKey) -> Twin? {
        state.withLock { $0.twins[key]?.twin }
    }

    /// Every cached twin by key (a copy-on-write snapshot: O(1), later changes do not show in it).
    /// The first call fills the cache from `store`.
    func twins(filling store: any TwinStore) async throws(HubError) -> [IdentityKey: CachedTwin] {
        if !filled.load(ordering: .acquiring) { try await fill(from: store) }
        return state.withLock { $0.twins }
    }

    /// The cached twin of `key` (routing's `$twin`, §2.3); the first call fills the cache.
    func twin(_ key: IdentityKey, filling store: any TwinStore) async throws(HubError) -> Twin? {
        if !filled.load(ordering: .acquiring) { try await fill(from: store) }
        return state.withLock { $0.twins[key]?.twin }
    }

    /// The twins that hold one of `values` at `path`, ascending, from the path's value index
    /// (made now, from every cached twin, if this is the first query to need it); nil when the
    /// path is not twin content or the index budget is spent, and the caller scans instead.
    /// Call after `twins(filling:)`.
    func keys(at path: QueryPath, holding values: [JSONValue]) -> [IdentityKey]? {
        guard TwinValueIndex.canIndex(path) else { return nil }
        return state.withLock { state in
            if state.indexes[path] == nil {
                guard state.indexes.count < Self.indexedPathsMax else { return nil }
                // Built under the lock, once per path: twin writes wait for it (tens of ms per
                // 100,000 twins), and none can slip between the build and the first update.
                state.indexes[path] = TwinValueIndex(path: path, twins: state.twins)
            }
            return state.indexes[path]?.keys(holding: values)
        }
    }

    /// Loads every stored twin once; concurrent first readers wait for the one fill.
    private func fill(from store: any TwinStore) async throws(HubError) {
        try await fillGate.holding { () async throws(HubError) in try await fillOnce(from: store) }
    }

    private func fillOnce(from store: any TwinStore) async throws(HubError) {
        guard !filled.load(ordering: .acquiring) else { return }
        let loaded: [Twin]
        do {
            loaded = try await store.loadAllTwins()
        } catch {
            throw .serverError("the twin store failed to load the twins for a query: \(error)")
        }
        state.withLock { state in
            for twin in loaded {
                let key = IdentityKey(deviceID: twin.deviceID, moduleID: twin.moduleID)
                if state.twins[key] == nil { state.put(key, twin) }
            }
        }
        filled.store(true, ordering: .releasing)
    }

    /// Twins held (tests, and the memory figure of the query benchmark).
    public var count: Int { state.withLock { $0.twins.count } }
}

/// One cached twin, shared by reference: a query's document holds this rather than a copy of
/// the twin (a `Twin` copy retains a dozen buffers; over 100,000 twins per GROUP BY that was a
/// fifth of the time).
final class CachedTwin: Sendable {
    let twin: Twin

    init(_ twin: Twin) { self.twin = twin }
}
