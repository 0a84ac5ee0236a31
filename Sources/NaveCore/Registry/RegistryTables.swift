import NaveModel

/// The registry as the hub reads it: every identity and policy in memory, so authentication
/// never waits on disk. Mutated only by `IdentityRegistry` after the store accepted a change.
struct RegistryTables: Sendable {
    var devices: [String: DeviceIdentity] = [:]
    /// deviceID → moduleID → module.
    var modules: [String: [String: ModuleIdentity]] = [:]
    var policies: [String: SharedAccessPolicy] = [:]

    init(_ snapshot: RegistrySnapshot) {
        for device in snapshot.devices { devices[device.deviceID] = device }
        for module in snapshot.modules { modules[module.deviceID, default: [:]][module.moduleID] = module }
        for policy in snapshot.policies { policies[policy.name] = policy }
    }

    /// Applies changes the store already accepted (same semantics as `IdentityStore.apply`).
    mutating func apply(_ changes: [RegistryChange]) {
        for change in changes {
            switch change {
            case .putDevice(let device): devices[device.deviceID] = device
            case .deleteDevice(let deviceID):
                devices[deviceID] = nil
                modules[deviceID] = nil
            case .putModule(let module): modules[module.deviceID, default: [:]][module.moduleID] = module
            case .deleteModule(let deviceID, let moduleID):
                modules[deviceID]?[moduleID] = nil
                if modules[deviceID]?.isEmpty == true { modules[deviceID] = nil }
            case .putPolicy(let policy): policies[policy.name] = policy
            case .deletePolicy(let name): policies[name] = nil
            }
        }
    }
}
