import NaveModel

/// Device create, update and delete (contract §4.4): `PUT` without `If-Match` creates, with it
/// updates; etags change on every change; disabling, deleting or re-keying a device ends its
/// live connections.
extension IdentityRegistry {
    public func createDevice(_ spec: DeviceRequest) async throws(HubError) -> DeviceIdentity {
        let device = try newDevice(spec, generationID: newGenerationID(), now: clock.now())
        let created = try await commit { tables throws(HubError) in
            guard tables.devices[spec.deviceID] == nil else { throw .deviceAlreadyExists(deviceID: spec.deviceID) }
            return ([.putDevice(device)], device)
        }
        await deletionObservers.notifyCreated(deviceID: created.deviceID, moduleID: nil)
        return created
    }

    /// Updates a device; `ifMatch` is the raw `If-Match` value (nil or `"*"`: unconditional).
    public func updateDevice(_ spec: DeviceRequest, ifMatch: String?) async throws(HubError) -> DeviceIdentity {
        let now = clock.now()
        let (device, revocation) = try await commit { tables throws(HubError) in
            guard let current = tables.devices[spec.deviceID] else { throw .deviceNotFound(deviceID: spec.deviceID) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed() }
            let (device, revocation) = try updated(current, with: spec, now: now)
            return ([.putDevice(device)], (device, revocation))
        }
        if let revocation {
            revoke(device.deviceID, revocation)
        }
        return device
    }

    public func deleteDevice(_ deviceID: String, ifMatch: String?) async throws(HubError) {
        try await commit { tables throws(HubError) in
            guard let current = tables.devices[deviceID] else { throw .deviceNotFound(deviceID: deviceID) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed() }
            return ([.deleteDevice(deviceID: deviceID)], ())
        }
        revoke(deviceID, .deviceDeleted)
        connections.forget(deviceID: deviceID)
        await deletionObservers.notify(deviceID: deviceID, moduleID: nil)
    }

    /// Ends a device's connections; disabling and deleting take its modules' down too.
    func revoke(_ deviceID: String, _ reason: RevocationReason) {
        connections.revoke(IdentityKey(deviceID: deviceID), includingModules: reason != .credentialsChanged, reason: reason)
    }

    /// A new device from `spec`, keys generated where none are given.
    func newDevice(_ spec: DeviceRequest, generationID: String, now: Timestamp) throws(HubError) -> DeviceIdentity {
        try IdentityRules.validate(deviceID: spec.deviceID)
        try IdentityRules.validateText(of: spec)
        return DeviceIdentity(
            deviceID: spec.deviceID, generationID: generationID, etag: ETag.initial, status: spec.status,
            statusReason: spec.statusReason, statusUpdatedTime: now,
            authentication: try completed(spec.authentication, keeping: nil), iotEdge: spec.iotEdge,
            deviceScope: spec.deviceScope, parentScopes: spec.parentScopes)
    }

    /// `current` changed as `spec` says, with a new etag, and the revocation the change causes:
    /// disabling ends the device's and its modules' connections, new credentials the device's.
    func updated(_ current: DeviceIdentity, with spec: DeviceRequest, now: Timestamp) throws(HubError) -> (DeviceIdentity, RevocationReason?) {
        try IdentityRules.validateText(of: spec)
        var device = current
        device.authentication = try completed(spec.authentication, keeping: current.authentication)
        if device.status != spec.status { device.statusUpdatedTime = now }
        device.status = spec.status
        device.statusReason = spec.statusReason
        device.iotEdge = spec.iotEdge
        device.deviceScope = spec.deviceScope
        device.parentScopes = spec.parentScopes
        device.etag = ETag.next(after: current.etag)
        return (device, Self.revocation(from: current, to: device))
    }

    /// What changing `current` into `device` ends: disabling, the device's and its modules'
    /// connections; new credentials, the device's. Another writer's change ends the same here.
    static func revocation(from current: DeviceIdentity, to device: DeviceIdentity) -> RevocationReason? {
        device.status == .disabled && current.status == .enabled ? .deviceDisabled
            : device.authentication != current.authentication ? .credentialsChanged : nil
    }

    /// Fills in what the caller left out: SAS keys are generated when absent (IoT Hub does),
    /// or kept from `existing` on an update that names none.
    func completed(_ authentication: Authentication, keeping existing: Authentication?) throws(HubError) -> Authentication {
        var result = authentication
        switch authentication.kind {
        case .sas:
            let keepsKeys = existing?.kind == .sas
            result.primaryKey = try IdentityRules.validKey(authentication.primaryKey, field: "primaryKey")
                ?? (keepsKeys ? existing?.primaryKey : nil) ?? newKey()
            result.secondaryKey = try IdentityRules.validKey(authentication.secondaryKey, field: "secondaryKey")
                ?? (keepsKeys ? existing?.secondaryKey : nil) ?? newKey()
            result.primaryThumbprint = nil
            result.secondaryThumbprint = nil
        case .selfSigned:
            result.primaryKey = nil
            result.secondaryKey = nil
            result.primaryThumbprint = try IdentityRules.validThumbprint(authentication.primaryThumbprint, field: "primaryThumbprint")
            result.secondaryThumbprint = try IdentityRules.validThumbprint(authentication.secondaryThumbprint, field: "secondaryThumbprint")
            guard result.primaryThumbprint != nil || result.secondaryThumbprint != nil else {
                throw .argumentInvalid("a selfSigned device needs authentication.x509Thumbprint.primaryThumbprint or secondaryThumbprint")
            }
        case .certificateAuthority, .none:
            result = Authentication(kind: authentication.kind)
        }
        return result
    }
}
