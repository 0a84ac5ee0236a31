import NaveModel

extension IdentityRegistry {
    /// Applies up to `ExportImportDevice.bulkDevicesMax` entries (`POST /devices`), each by its
    /// `importMode`. Entries that fail are reported and the others are stored together in one
    /// write: IoT Hub answers 400 with the failures and keeps the rest (contract §4.4).
    public func bulk(_ entries: [ExportImportDevice]) async throws(HubError) -> BulkRegistryOperationResult {
        guard entries.count <= ExportImportDevice.bulkDevicesMax else {
            throw .tooManyDevices(count: entries.count, countMax: ExportImportDevice.bulkDevicesMax)
        }
        let now = clock.now()
        let prepared = entries.map { entry in (entry, newGenerationID()) }
        let (result, revoked, created) = try await commit { tables throws(HubError) in
            var working = tables
            var changes: [RegistryChange] = []
            var result = BulkRegistryOperationResult()
            var revoked: [(String, RevocationReason)] = []
            var seen = Set<String>()
            var created = Set<String>()
            for (entry, generationID) in prepared {
                do throws(HubError) {
                    guard seen.insert(entry.deviceID).inserted else { throw .deviceDefinedMultipleTimes(deviceID: entry.deviceID) }
                    let existed = working.devices[entry.deviceID] != nil
                    let (change, revocation) = try plan(entry, in: working, generationID: generationID, now: now)
                    if !existed { created.insert(entry.deviceID) }
                    working.apply([change])
                    changes.append(change)
                    if let revocation { revoked.append((entry.deviceID, revocation)) }
                } catch {
                    result.errors.append(.init(deviceID: entry.deviceID, moduleID: entry.moduleID, operation: entry.importMode, error: error))
                }
            }
            return (changes, (result, revoked, created))
        }
        for deviceID in created.sorted() {
            await deletionObservers.notifyCreated(deviceID: deviceID, moduleID: nil)
        }
        for (deviceID, reason) in revoked {
            revoke(deviceID, reason)
            if reason == .deviceDeleted {
                connections.forget(deviceID: deviceID)
                await deletionObservers.notify(deviceID: deviceID, moduleID: nil)
            }
        }
        return result
    }

    private func plan(_ entry: ExportImportDevice, in tables: RegistryTables, generationID: String,
                      now: Timestamp) throws(HubError) -> (RegistryChange, RevocationReason?) {
        guard entry.moduleID == nil else { throw .argumentInvalid("bulk operations on modules are not supported") }
        let request = DeviceRequest(
            deviceID: entry.deviceID, status: entry.status ?? .enabled, statusReason: entry.statusReason,
            authentication: entry.authentication ?? Authentication(kind: .sas), iotEdge: entry.iotEdge ?? false,
            deviceScope: entry.deviceScope, parentScopes: entry.parentScopes ?? [])
        let current = tables.devices[entry.deviceID]
        let ifMatch = switch entry.importMode {
        case .updateIfMatchETag, .deleteIfMatchETag, .createOrUpdateIfMatchETag: entry.etag ?? ""
        default: String?.none
        }
        switch entry.importMode {
        case .create:
            guard current == nil else { throw .deviceAlreadyExists(deviceID: entry.deviceID) }
            return (.putDevice(try newDevice(request, generationID: generationID, now: now)), nil)
        case .createOrUpdate, .createOrUpdateIfMatchETag:
            // Created when absent; otherwise updated, unconditionally or only on a matching etag.
            guard let current else { return (.putDevice(try newDevice(request, generationID: generationID, now: now)), nil) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed() }
            let (device, revocation) = try updated(current, with: request, now: now)
            return (.putDevice(device), revocation)
        case .update, .updateIfMatchETag:
            guard let current else { throw .deviceNotFound(deviceID: entry.deviceID) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed() }
            let (device, revocation) = try updated(current, with: request, now: now)
            return (.putDevice(device), revocation)
        case .delete, .deleteIfMatchETag:
            guard let current else { throw .deviceNotFound(deviceID: entry.deviceID) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed() }
            return (.deleteDevice(deviceID: entry.deviceID), .deviceDeleted)
        case .updateTwin, .updateTwinIfMatchETag:
            throw .argumentInvalid("importMode \(entry.importMode.rawValue) is not supported yet (twins arrive with the device surface)")
        }
    }
}
