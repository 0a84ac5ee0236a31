import NaveModel

/// The registry's durable port: where identities and policies live between restarts. The hub
/// keeps the whole registry in memory for authentication (a CONNECT never waits on disk) and
/// writes through this port before a change becomes visible.
///
/// It does not assume one writer: a batch carries what its writer read (`expecting`), and the
/// store checks it in the same transaction as the write, so two nodes over one database cannot
/// both pass the same `If-Match` or both create one id. A store shared by several nodes tells
/// each of them about the others' batches (`observeOtherWriters`), and reads back single rows
/// for a writer whose view went stale (`loadRows`). Implementations: `InMemoryIdentityStore`
/// (tests, embedders without disk; its `otherWriter()` views share one store the way nodes
/// share a database), `NaveStore.SQLiteIdentityStore` (the embedded default, one process); a
/// PostgreSQL one can follow. All pass `IdentityStoreConformance` in the tests.
public protocol IdentityStore: Sendable {
    /// Everything stored, for the hub's in-memory registry at start.
    func loadRegistry() async throws -> RegistrySnapshot

    /// The stored rows `keys` name, read in one snapshot: a device's key brings the device and
    /// all its modules (a re-created device has none of the old one's), a module's key the
    /// module, a policy's key the policy. A key with nothing stored brings nothing. For a writer
    /// whose view of those rows went stale (after a conflict); one indexed read per key.
    func loadRows(_ keys: Set<RegistryRowKey>) async throws -> RegistrySnapshot

    /// Applies `changes` atomically, in order, if every row `expected` names holds that version
    /// before the batch (checked in the same transaction). All of them are stored, or none:
    /// then it throws `IdentityStoreError` — `.conflict` when another writer changed an expected
    /// row — or `CancellationError` when the task was cancelled before the write.
    func apply(_ changes: [RegistryChange], expecting expected: [RegistryRowKey: StoredRegistryVersion]) async throws

    /// Calls `observer` with each batch another writer of a shared store applied (never with
    /// this writer's own), in the order the store applied them. Called from the store's own
    /// context, so `observer` must return quickly (the registry queues the batch). A store that
    /// is never shared never calls it.
    func observeOtherWriters(_ observer: @escaping @Sendable (RegistryStoreChange) -> Void)
}

extension IdentityStore {
    /// Applies `changes` unconditionally (set-up and tests; the registry writes versioned).
    public func apply(_ changes: [RegistryChange]) async throws { try await apply(changes, expecting: [:]) }
}

/// Why a store refused a batch or could not load. Every store throws these the same way, and a
/// failed `apply` has stored nothing. The registry maps them to IoT Hub's errors at the edge.
public enum IdentityStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `putModule` names a device that is neither stored nor put earlier in the same batch
    /// (or was deleted earlier in it). Modules never outlive their device.
    case unknownDevice(deviceID: String)
    /// The medium failed (disk full, I/O error, closed or corrupt database) or cannot keep a
    /// value; the reason is the store's own words, with no keys or other secrets in it.
    case storage(String)
    /// The medium has no room (SQLite's SQLITE_FULL, ENOSPC): nothing of the batch was stored,
    /// and a later batch is tried again (the hub answers 503 meanwhile).
    case full(String)
    /// A versioned batch found another version stored under `key` (another writer was first):
    /// nothing of the batch was stored; the writer reads the row again and plans once more.
    case conflict(RegistryRowKey)

    public var description: String {
        switch self {
        case .unknownDevice(let deviceID): "no device '\(deviceID)' in the identity store"
        case .full(let reason): "identity store is full: \(reason)"
        case .storage(let reason): "identity store failed: \(reason)"
        case .conflict(let key): "\(key) changed by another writer"
        }
    }
}

/// The whole registry as stored (or, from `loadRows`, the part of it some keys name).
public struct RegistrySnapshot: Sendable, Equatable {
    public var devices: [DeviceIdentity]
    public var modules: [ModuleIdentity]
    public var policies: [SharedAccessPolicy]

    public init(devices: [DeviceIdentity] = [], modules: [ModuleIdentity] = [], policies: [SharedAccessPolicy] = []) {
        self.devices = devices
        self.modules = modules
        self.policies = policies
    }
}

/// One change to the stored registry. `put` inserts or replaces by key.
public enum RegistryChange: Sendable, Equatable {
    case putDevice(DeviceIdentity)
    /// Removes the device and its modules.
    case deleteDevice(deviceID: String)
    case putModule(ModuleIdentity)
    case deleteModule(deviceID: String, moduleID: String)
    case putPolicy(SharedAccessPolicy)
    case deletePolicy(name: String)
}

/// A batch another writer applied: its changes in order, and what each row they name held
/// before it. A node applies a change only over the version it holds itself, so a batch that
/// reaches it after it read a newer row (on a conflict) changes nothing there.
public struct RegistryStoreChange: Sendable, Equatable {
    public var changes: [RegistryChange]
    /// The version stored before the batch under each change's key (`RegistryChange.key`).
    public var previous: [RegistryRowKey: StoredRegistryVersion]

    public init(changes: [RegistryChange], previous: [RegistryRowKey: StoredRegistryVersion]) {
        self.changes = changes
        self.previous = previous
    }
}
