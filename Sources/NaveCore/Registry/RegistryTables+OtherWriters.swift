import NaveModel

/// What a change another writer stored means here, beyond the tables: the same ends of
/// connections and the same deletion notices as the writer's own node gave for its write.
enum LearnedEffect: Sendable, Equatable {
    case revoke(IdentityKey, includingModules: Bool, RevocationReason)
    /// The identity is gone: its connection state is forgotten and deletion observers told.
    case deleted(IdentityKey)
}

extension RegistryTables {
    /// Applies another writer's `batch` over the rows these tables hold as the batch found them
    /// (its `previous`). A row this node already holds newer — it re-read the row after a
    /// conflict, before the batch reached it — keeps what it holds: the re-read did the work.
    mutating func learn(_ batch: RegistryStoreChange) -> [LearnedEffect] {
        let stale = Set(batch.previous.filter { version(of: $0.key) != $0.value }.keys)
        return learn(batch.changes.filter { !stale.contains($0.key) })
    }

    /// The changes that bring the rows `keys` name from what these tables hold to `stored` (a
    /// `loadRows` answer for those keys, or a whole snapshot). A device's key covers its modules.
    func changes(to stored: RegistrySnapshot, for keys: Set<RegistryRowKey>) -> [RegistryChange] {
        let fresh = RegistryTables(stored)
        var changes: [RegistryChange] = []
        for key in keys {
            switch key {
            case .device(let deviceID):
                if let device = fresh.devices[deviceID] {
                    if devices[deviceID] != device { changes.append(.putDevice(device)) }
                } else if devices[deviceID] != nil {
                    changes.append(.deleteDevice(deviceID: deviceID))
                    continue  // takes its modules
                }
                let held = modules[deviceID] ?? [:]
                let stored = fresh.modules[deviceID] ?? [:]
                for moduleID in held.keys where stored[moduleID] == nil {
                    changes.append(.deleteModule(deviceID: deviceID, moduleID: moduleID))
                }
                for (moduleID, module) in stored where held[moduleID] != module { changes.append(.putModule(module)) }
            case .module(let deviceID, let moduleID):
                let module = fresh.modules[deviceID]?[moduleID]
                guard modules[deviceID]?[moduleID] != module else { continue }
                changes.append(module.map(RegistryChange.putModule) ?? .deleteModule(deviceID: deviceID, moduleID: moduleID))
            case .policy(let name):
                let policy = fresh.policies[name]
                guard policies[name] != policy else { continue }
                changes.append(policy.map(RegistryChange.putPolicy) ?? .deletePolicy(name: name))
            }
        }
        return changes
    }

    /// Applies changes another writer stored, and says what they end here: a device deleted,
    /// disabled or re-keyed ends its connections as a local write does
    /// (`IdentityRegistry.revocation(from:to:)`); one replaced by a new generation (deleted and
    /// created again while this node was not listening) counts as deleted.
    mutating func learn(_ changes: [RegistryChange]) -> [LearnedEffect] {
        var effects: [LearnedEffect] = []
        // A device's deletion covers its modules: no second notice for each.
        var deletedDevices = Set<String>()
        for change in changes {
            switch change {
            case .putDevice(let device):
                guard let old = devices[device.deviceID] else { break }
                let key = IdentityKey(deviceID: device.deviceID)
                if old.generationID != device.generationID {
                    effects += [.revoke(key, includingModules: true, .deviceDeleted), .deleted(key)]
                    deletedDevices.insert(device.deviceID)
                } else if let reason = IdentityRegistry.revocation(from: old, to: device) {
                    effects.append(.revoke(key, includingModules: reason != .credentialsChanged, reason))
                }
            case .deleteDevice(let deviceID):
                guard devices[deviceID] != nil else { break }
                let key = IdentityKey(deviceID: deviceID)
                effects += [.revoke(key, includingModules: true, .deviceDeleted), .deleted(key)]
                deletedDevices.insert(deviceID)
            case .putModule(let module):
                guard let old = modules[module.deviceID]?[module.moduleID], !deletedDevices.contains(module.deviceID) else { break }
                let key = IdentityKey(deviceID: module.deviceID, moduleID: module.moduleID)
                if old.generationID != module.generationID {
                    effects += [.revoke(key, includingModules: false, .deviceDeleted), .deleted(key)]
                } else if old.authentication != module.authentication {
                    effects.append(.revoke(key, includingModules: false, .credentialsChanged))
                }
            case .deleteModule(let deviceID, let moduleID):
                guard modules[deviceID]?[moduleID] != nil, !deletedDevices.contains(deviceID) else { break }
                let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
                effects += [.revoke(key, includingModules: false, .deviceDeleted), .deleted(key)]
            case .putPolicy, .deletePolicy:
                break
            }
            apply([change])
        }
        return effects
    }
}
