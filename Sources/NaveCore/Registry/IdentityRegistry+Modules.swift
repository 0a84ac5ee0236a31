import NaveModel

/// Module create, update and delete: modules live under an existing device and authenticate
/// on their own (`device/module` client ids).
extension IdentityRegistry {
    /// Creates a module, or updates it when `ifMatch` is given (IoT Hub's `PUT` semantics).
    public func putModule(_ spec: ModuleRequest, ifMatch: String?) async throws(HubError) -> ModuleIdentity {
        try IdentityRules.validate(deviceID: spec.moduleID, field: "moduleId")
        try IdentityRules.validate(text: spec.managedBy, field: "managedBy")
        let generationID = newGenerationID()
        let (module, changedCredentials, created) = try await commit { tables throws(HubError) in
            guard tables.devices[spec.deviceID] != nil else { throw .deviceNotFound(deviceID: spec.deviceID) }
            let current = tables.modules[spec.deviceID]?[spec.moduleID]
            var module: ModuleIdentity
            if let current {
                guard ifMatch != nil else { throw .moduleAlreadyExistsOnDevice(deviceID: spec.deviceID, moduleID: spec.moduleID) }
                guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed() }
                module = current
                module.etag = ETag.next(after: current.etag)
                module.authentication = try completed(spec.authentication, keeping: current.authentication)
            } else {
                guard ifMatch == nil || ETag.unquoted(ifMatch!) == "*" else {
                    throw .moduleNotFound(deviceID: spec.deviceID, moduleID: spec.moduleID)
                }
                module = ModuleIdentity(deviceID: spec.deviceID, moduleID: spec.moduleID, generationID: generationID,
                                        etag: ETag.initial, authentication: try completed(spec.authentication, keeping: nil))
            }
            module.managedBy = spec.managedBy
            return ([.putModule(module)], (module, current.map { $0.authentication != module.authentication } ?? false, current == nil))
        }
        if created { await deletionObservers.notifyCreated(deviceID: module.deviceID, moduleID: module.moduleID) }
        if changedCredentials {
            connections.revoke(IdentityKey(deviceID: module.deviceID, moduleID: module.moduleID), includingModules: false,
                               reason: .credentialsChanged)
        }
        return module
    }

    public func deleteModule(_ deviceID: String, _ moduleID: String, ifMatch: String?) async throws(HubError) {
        try await commit { tables throws(HubError) in
            guard tables.devices[deviceID] != nil else { throw .deviceNotFound(deviceID: deviceID) }
            guard let current = tables.modules[deviceID]?[moduleID] else { throw .moduleNotFound(deviceID: deviceID, moduleID: moduleID) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed() }
            return ([.deleteModule(deviceID: deviceID, moduleID: moduleID)], ())
        }
        let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
        connections.revoke(key, includingModules: false, reason: .deviceDeleted)
        connections.forget(deviceID: deviceID, moduleID: moduleID)
        await deletionObservers.notify(deviceID: deviceID, moduleID: moduleID)
    }
}
