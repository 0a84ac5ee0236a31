import NaveModel
import Synchronization

/// An `IdentityStore` that keeps everything in memory: for tests and for embedders that bring
/// no disk. Applies a batch atomically (one lock).
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
        tables.withLock { tables in
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
}
