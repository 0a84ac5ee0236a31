import NaveModel

/// What the back end does with twins (contract §4.2, §4.4): `GET`, `PATCH` and `PUT`
/// `/twins/{id}` and `/twins/{id}/modules/{mid}`, and the clean-up when identities go.
extension DeviceTwins {
    /// The twin of a device (`moduleID` nil) or module; DeviceNotFound or ModuleNotFound for
    /// identities the registry does not have. A twin read for the first time is created empty.
    public func twin(_ key: IdentityKey) async throws(HubError) -> Twin {
        // Most reads find the twin stored: no gate needed, a stored twin is a whole value.
        let twin = if let stored = try await storedTwin(key, generation: try identityGeneration(key)) {
            stored
        } else {
            try await serialized(key) { () async throws(HubError) -> Twin in try await loadOrCreate(key) }
        }
        operations.count(.get)
        return twin
    }

    /// Deep-merges `update`'s tags and desired properties (`PATCH`, contract §4.4) when
    /// `ifMatch` allows it (nil or `*`: always; else the twin's etag, quotes and `W/` ignored;
    /// PreconditionFailed otherwise). A desired change is pushed to the connected device.
    public func updateTwin(_ key: IdentityKey, _ update: TwinUpdate, ifMatch: String?) async throws(HubError) -> Twin {
        let twin = try await change(key, ifMatch: ifMatch) { twin, now throws(HubError) in try twin.update(update, at: now) }
        operations.count(.update)
        return twin
    }

    /// Replaces tags and desired properties with `update`'s (`PUT`, contract §4.4); reported
    /// properties stay. `ifMatch` as for `updateTwin`. The device is told the difference.
    public func replaceTwin(_ key: IdentityKey, _ update: TwinUpdate, ifMatch: String?) async throws(HubError) -> Twin {
        let twin = try await change(key, ifMatch: ifMatch) { twin, now throws(HubError) in try twin.replace(update, at: now) }
        operations.count(.replace)
        return twin
    }

    /// IoT Hub's REST `Twin` for `twin`, with its identity's current fields and presence.
    /// DeviceNotFound or ModuleNotFound when the identity is gone.
    public func json(of twin: Twin) throws(HubError) -> JSONValue {
        let key = IdentityKey(deviceID: twin.deviceID, moduleID: twin.moduleID)
        let live = registry.connections.presence(of: key)
        let presence = PresenceFields(isConnected: live.isConnected, connectionStateUpdatedTime: live.stateUpdatedTime,
                                      lastActivityTime: live.lastActivityTime)
        guard let device = registry.device(twin.deviceID) else { throw .deviceNotFound(deviceID: twin.deviceID) }
        guard let moduleID = twin.moduleID else { return twin.json(identity: TwinIdentityFields(device: device, presence: presence)) }
        guard let module = registry.module(twin.deviceID, moduleID) else {
            throw .moduleNotFound(deviceID: twin.deviceID, moduleID: moduleID)
        }
        return twin.json(identity: TwinIdentityFields(module: module, presence: presence))
    }

    /// Deletes the twins of a device and its modules. The registry calls this after deleting
    /// the device (`IdentityDeletionObserver`); a failure leaves a stale twin behind, which is
    /// harmless: it carries the old identity's generation and is never shown again.
    public func deleteTwins(deviceID: String) async {
        try? await store.deleteTwins(deviceID: deviceID)
        cache.removedDevice(deviceID)
    }

    /// Deletes one twin (a module's, or the device's own without its modules').
    public func deleteTwin(_ key: IdentityKey) async {
        try? await store.deleteTwin(key)
        cache.removed(key)
    }

    /// Every stored twin by key, from memory (filled from the store at the first call), for
    /// queries. Twins of earlier identities of the same id may be among them: compare
    /// `identityGenerationID` with the identity's. Identities never read have no twin yet.
    func queryableTwins() async throws(HubError) -> [IdentityKey: CachedTwin] {
        try await cache.twins(filling: store)
    }
}

extension DeviceTwins: RoutingTwinSource {
    /// The sender's twin for routing conditions and enrichments, from the twin cache (current
    /// values, §2.5); nil when it has none or the store cannot be read (the condition then sees
    /// `$twin` undefined, as for a device without a twin).
    public func routingTwin(of key: IdentityKey) async -> Twin? {
        try? await cache.twin(key, filling: store)
    }
}
