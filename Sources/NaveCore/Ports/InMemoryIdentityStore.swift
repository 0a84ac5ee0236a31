import NaveModel
import Synchronization

/// An `IdentityStore` that keeps everything in memory: for tests and for embedders that bring
/// no disk. Applies a batch atomically: validated whole, then applied under one lock.
public final class InMemoryIdentityStore: IdentityStore {
    private struct Tables {
        var devices: [String: DeviceIdentity] = [:]
        var modules: [ModuleKey: ModuleIdentity] = [:]
        var policies: [String: SharedAccessPolicy] = [:]
    }

    private struct ModuleKey: Hashable {
        var deviceID: String
        var moduleID: String
    }

    private let tables = Mutex(Tables())

    public init() {}

    public func loadRegistry() async throws -> RegistrySnapshot {
        tables.withLock { tables in
            RegistrySnapshot(devices: tables.devices.values.sorted { $0.deviceID < $1.deviceID },
                             modules: tables.modules.values.sorted { ($0.deviceID, $0.moduleID) < ($1.deviceID, $1.moduleID) },
                             policies: tables.policies.values.sorted { $0.name < $1.name })
        }
    }

    public func apply(_ changes: [RegistryChange]) async throws {
        try tables.withLock { tables in
            // Validate the whole batch before touching anything: a refused batch leaves the
            // tables exactly as they were, as the SQLite store's rolled-back transaction does.
            try Self.validate(changes, against: tables)
            for change in changes {
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
