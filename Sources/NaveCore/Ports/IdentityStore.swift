import NaveModel

/// The registry's durable port: where identities and policies live between restarts. The hub
/// keeps the whole registry in memory for authentication (a CONNECT never waits on disk) and
/// writes through this port before a change becomes visible. Implementations: `InMemoryIdentityStore`
/// (tests, embedders without disk), `NaveStore.SQLiteIdentityStore` (the embedded default); a
/// PostgreSQL one can follow. All pass `IdentityStoreConformance` in the tests.
public protocol IdentityStore: Sendable {
    /// Everything stored, for the hub's in-memory registry at start.
    func loadRegistry() async throws -> RegistrySnapshot

    /// Applies `changes` atomically, in order: all of them are stored, or none (then it throws).
    func apply(_ changes: [RegistryChange]) async throws
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
