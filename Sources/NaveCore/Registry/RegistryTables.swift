import NaveModel

/// The registry as the hub reads it: every identity and policy in memory, so authentication
/// never waits on disk. Mutated only by `IdentityRegistry`: after the store accepted its own
/// change, or when it learns of another writer's (`RegistryTables+OtherWriters.swift`).
struct RegistryTables: Sendable {
    var devices: [String: DeviceIdentity] = [:]
    /// deviceID → moduleID → module.
    var modules: [String: [String: ModuleIdentity]] = [:]
    var policies: [String: SharedAccessPolicy] = [:]
    /// Device keys in id order (`FROM devices` pages through them).
    var deviceOrder: SortedIdentities
    /// Module keys in (device, module) order (`FROM devices.modules`).
    var moduleOrder: SortedIdentities

    init(_ snapshot: RegistrySnapshot) {
        for device in snapshot.devices { devices[device.deviceID] = device }
        for module in snapshot.modules { modules[module.deviceID, default: [:]][module.moduleID] = module }
        for policy in snapshot.policies { policies[policy.name] = policy }
        deviceOrder = SortedIdentities(devices.keys.map { IdentityKey(deviceID: $0) })
        moduleOrder = SortedIdentities(snapshot.modules.map { IdentityKey(deviceID: $0.deviceID, moduleID: $0.moduleID) })
    }

    /// Applies changes the store already accepted (same semantics as `IdentityStore.apply`).
    mutating func apply(_ changes: [RegistryChange]) {
        for change in changes {
            switch change {
            case .putDevice(let device):
                if devices.updateValue(device, forKey: device.deviceID) == nil { deviceOrder.insert(IdentityKey(deviceID: device.deviceID)) }
            case .deleteDevice(let deviceID):
                guard devices.removeValue(forKey: deviceID) != nil else { break }
                deviceOrder.remove(IdentityKey(deviceID: deviceID))
                for moduleID in (modules.removeValue(forKey: deviceID) ?? [:]).keys {
                    moduleOrder.remove(IdentityKey(deviceID: deviceID, moduleID: moduleID))
                }
            case .putModule(let module):
                if modules[module.deviceID, default: [:]].updateValue(module, forKey: module.moduleID) == nil {
                    moduleOrder.insert(IdentityKey(deviceID: module.deviceID, moduleID: module.moduleID))
                }
            case .deleteModule(let deviceID, let moduleID):
                guard modules[deviceID]?.removeValue(forKey: moduleID) != nil else { break }
                moduleOrder.remove(IdentityKey(deviceID: deviceID, moduleID: moduleID))
                if modules[deviceID]?.isEmpty == true { modules[deviceID] = nil }
            case .putPolicy(let policy): policies[policy.name] = policy
            case .deletePolicy(let name): policies[name] = nil
            }
        }
    }

    /// What these tables hold under `key`, as the store's version check compares it.
    func version(of key: RegistryRowKey) -> StoredRegistryVersion {
        switch key {
        case .device(let deviceID): StoredRegistryVersion(devices[deviceID])
        case .module(let deviceID, let moduleID): StoredRegistryVersion(modules[deviceID]?[moduleID])
        case .policy(let name): StoredRegistryVersion(policies[name])
        }
    }

    /// What a batch planned on these tables expects stored: the version read of every row it
    /// writes (and of any other row its plan relied on). The store refuses the batch if another
    /// writer changed one since.
    func versions(of keys: [RegistryRowKey]) -> [RegistryRowKey: StoredRegistryVersion] {
        var versions: [RegistryRowKey: StoredRegistryVersion] = [:]
        for key in keys where versions[key] == nil { versions[key] = version(of: key) }
        return versions
    }

    /// Every row these tables hold, by key (a reload compares them all).
    var keys: Set<RegistryRowKey> {
        var keys = Set(devices.keys.map { RegistryRowKey.device(deviceID: $0) })
        keys.formUnion(policies.keys.map { .policy(name: $0) })
        return keys
    }
}
