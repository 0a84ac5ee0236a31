import NaveModel

/// Identities coming and going: a deleted identity's twins go, and each creation and deletion
/// is a device lifecycle event whose body is the identity's twin (reference §2.7) — recorded
/// here, where the twin is, and on deletion before the twin goes.
extension DeviceTwins: IdentityDeletionObserver {
    public func identityCreated(deviceID: String, moduleID: String?) async {
        let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
        let now = clock.now()
        // The twin it has before anything is set; stored only when first used (`loadOrCreate`).
        let twin = Twin(deviceID: deviceID, moduleID: moduleID, identityGenerationID: "", createdAt: now)
        await recordLifecycle(moduleID == nil ? "createDeviceIdentity" : "createModuleIdentity", of: key, twin: twin, at: now)
    }

    public func identityDeleted(deviceID: String, moduleID: String?) async {
        let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
        let now = clock.now()
        // The twin as it was: the stored one, or the empty one it had if it was never used. (The
        // identity's generation is gone with it, so a twin left by an earlier identity of the
        // same id that this one never read would be shown: `loadOrCreate` replaces those.)
        let stored = try? await store.loadTwin(key)
        let twin = stored ?? Twin(deviceID: deviceID, moduleID: moduleID, identityGenerationID: "", createdAt: now)
        await recordLifecycle(moduleID == nil ? "deleteDeviceIdentity" : "deleteModuleIdentity", of: key, twin: twin, at: now)
        await dropTwins(of: key)
    }

    /// Another node deleted the identity and recorded its event: only the twins go here.
    public func identityDeletedByOtherWriter(deviceID: String, moduleID: String?) async {
        await dropTwins(of: IdentityKey(deviceID: deviceID, moduleID: moduleID))
    }

    private func dropTwins(of key: IdentityKey) async {
        if key.moduleID != nil {
            await deleteTwin(key)
        } else {
            await deleteTwins(deviceID: key.deviceID)
        }
    }

    private func recordLifecycle(_ operation: String, of key: IdentityKey, twin: Twin, at time: Timestamp) async {
        let event = TelemetryEvent.hubEvent(.deviceLifecycleEvents, of: key, operation: operation, body: twin.lifecycleEventJSON, at: time)
        if await !telemetry.appendRecord(event, unrecorded: unrecorded) { countUnrecordedEvent() }
    }
}
