import NaveModel

/// The registry's durable port: where identities and policies live between restarts. The hub
/// keeps the whole registry in memory for authentication (a CONNECT never waits on disk) and
/// writes through this port before a change becomes visible. Implementations: `InMemoryIdentityStore`
/// (tests, embedders without disk), `NaveStore.SQLiteIdentityStore` (the embedded default); a
/// PostgreSQL one can follow. All pass `IdentityStoreConformance` in the tests.
public protocol IdentityStore: Sendable {
    /// Everything stored, for the hub's in-memory registry at start.
    func loadRegistry() async throws -> RegistrySnapshot

    /// Applies `changes` atomically, in order: all of them are stored, or none (then it throws
    /// `IdentityStoreError`, or `CancellationError` when the task was cancelled before the write).
    func apply(_ changes: [RegistryChange]) async throws
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

    public var description: String {
        switch self {
        case .unknownDevice(let deviceID): "no device '\(deviceID)' in the identity store"
        case .full(let reason): "identity store is full: \(reason)"
        case .storage(let reason): "identity store failed: \(reason)"
        }
    }
}

/// The whole registry as stored.
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
