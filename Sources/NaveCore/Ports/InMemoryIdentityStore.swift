import NaveModel
import Synchronization

/// An `IdentityStore` that keeps everything in memory: for tests and for embedders that bring
/// no disk. Applies a batch atomically: checked and validated whole, then applied under one
/// lock. `otherWriter()` gives another view of the same registry, as a second node sharing a
/// database would have: each view's observers hear of the other views' batches.
public final class InMemoryIdentityStore: IdentityStore {
    private struct Tables {
        var devices: [String: DeviceIdentity] = [:]
        var modules: [ModuleKey: ModuleIdentity] = [:]
        var policies: [String: SharedAccessPolicy] = [:]

        func version(of key: RegistryRowKey) -> StoredRegistryVersion {
            switch key {
            case .device(let deviceID): StoredRegistryVersion(devices[deviceID])
            case .module(let deviceID, let moduleID): StoredRegistryVersion(modules[ModuleKey(deviceID: deviceID, moduleID: moduleID)])
            case .policy(let name): StoredRegistryVersion(policies[name])
            }
        }
    }

    private struct ModuleKey: Hashable {
        var deviceID: String
        var moduleID: String
    }

    /// What all views of one store share: one lock for the tables and the observers, so the
    /// observers hear batches in the order they were applied.
    private struct State {
        var tables = Tables()
        var observers: [(view: ObjectIdentifier, observer: @Sendable (RegistryStoreChange) -> Void)] = []
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let shared: Shared

    public init() { shared = Shared() }

    private init(sharing shared: Shared) { self.shared = shared }

    /// Another writer of the same registry.
    public func otherWriter() -> InMemoryIdentityStore { InMemoryIdentityStore(sharing: shared) }

    public func loadRegistry() async throws -> RegistrySnapshot {
        shared.state.withLock { state in
            let tables = state.tables
            return RegistrySnapshot(devices: tables.devices.values.sorted { $0.deviceID < $1.deviceID },
                                    modules: tables.modules.values.sorted { ($0.deviceID, $0.moduleID) < ($1.deviceID, $1.moduleID) },
                                    policies: tables.policies.values.sorted { $0.name < $1.name })
        }
    }

    public func loadRows(_ keys: Set<RegistryRowKey>) async throws -> RegistrySnapshot {
        shared.state.withLock { state in
            let tables = state.tables
            var rows = RegistrySnapshot()
            for key in keys {
                switch key {
                case .device(let deviceID):
                    guard let device = tables.devices[deviceID] else { continue }
                    rows.devices.append(device)
                    rows.modules += tables.modules.values.filter { $0.deviceID == deviceID }
                case .module(let deviceID, let moduleID):
                    if let module = tables.modules[ModuleKey(deviceID: deviceID, moduleID: moduleID)] { rows.modules.append(module) }
                case .policy(let name):
                    if let policy = tables.policies[name] { rows.policies.append(policy) }
                }
            }
            return rows
        }
    }

    public func apply(_ changes: [RegistryChange], expecting expected: [RegistryRowKey: StoredRegistryVersion]) async throws {
        let me = ObjectIdentifier(self)
        try shared.state.withLock { state throws(IdentityStoreError) in
            // Check and validate the whole batch before touching anything: a refused batch
            // leaves the tables exactly as they were, as the SQLite store's rolled-back
            // transaction does.
            for (key, version) in expected where state.tables.version(of: key) != version { throw .conflict(key) }
            try Self.validate(changes, against: state.tables)
            var previous: [RegistryRowKey: StoredRegistryVersion] = [:]
            for change in changes where previous[change.key] == nil { previous[change.key] = state.tables.version(of: change.key) }
            for change in changes { Self.apply(change, to: &state.tables) }
            // Under the lock: a later batch cannot reach an observer before this one.
            let batch = RegistryStoreChange(changes: changes, previous: previous)
            for entry in state.observers where entry.view != me { entry.observer(batch) }
        }
    }

    public func observeOtherWriters(_ observer: @escaping @Sendable (RegistryStoreChange) -> Void) {
        let me = ObjectIdentifier(self)
        shared.state.withLock { $0.observers.append((me, observer)) }
    }

    private static func apply(_ change: RegistryChange, to tables: inout Tables) {
        switch change {
        case .putDevice(let device):
            tables.devices[device.deviceID] = device
        case .deleteDevice(let deviceID):
            tables.devices[deviceID] = nil
            tables.modules = tables.modules.filter { $0.key.deviceID != deviceID }
        case .putModule(let module):
            tables.modules[ModuleKey(deviceID: module.deviceID, moduleID: module.moduleID)] = module
        case .deleteModule(let deviceID, let moduleID):
            tables.modules[ModuleKey(deviceID: deviceID, moduleID: moduleID)] = nil
        case .putPolicy(let policy):
            tables.policies[policy.name] = policy
        case .deletePolicy(let name):
            tables.policies[name] = nil
        }
    }

    /// Replays the batch's device puts and deletes over the stored ids (as two small sets, not a
    /// copy of the table) and throws at the first module whose device would not exist.
    private static func validate(_ changes: [RegistryChange], against tables: Tables) throws(IdentityStoreError) {
        var put = Set<String>()
        var deleted = Set<String>()
        for change in changes {
            switch change {
            case .putDevice(let device):
                put.insert(device.deviceID)
                deleted.remove(device.deviceID)
            case .deleteDevice(let deviceID):
                deleted.insert(deviceID)
                put.remove(deviceID)
            case .putModule(let module):
                let exists = put.contains(module.deviceID)
                    || (!deleted.contains(module.deviceID) && tables.devices[module.deviceID] != nil)
                guard exists else { throw .unknownDevice(deviceID: module.deviceID) }
            case .deleteModule, .putPolicy, .deletePolicy:
                break
            }
        }
    }
}
