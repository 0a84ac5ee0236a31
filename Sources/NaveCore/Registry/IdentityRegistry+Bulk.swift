import NaveModel

/// One entry of a bulk registry call (`POST /devices`, IoT Hub's `ExportImportDevice`).
public struct BulkDeviceOperation: Sendable, Equatable {
    /// IoT Hub's `importMode` values that concern identities.
    public enum Mode: String, Sendable, CaseIterable {
        case create, update, updateIfMatchETag, delete, deleteIfMatchETag
    }

    public var mode: Mode
    public var spec: DeviceSpec
    /// `eTag` of the entry, compared by the `…IfMatchETag` modes.
    public var etag: String?

    public init(mode: Mode, spec: DeviceSpec, etag: String? = nil) {
        self.mode = mode
        self.spec = spec
        self.etag = etag
    }
}

/// An entry that failed, for `BulkRegistryOperationResult.errors`.
public struct BulkFailure: Sendable, Equatable {
    public var deviceID: String
    public var mode: BulkDeviceOperation.Mode
    public var failure: RegistryFailure
}

extension IdentityRegistry {
    /// Up to `bulkOperationsMax` entries, each applied by its mode; entries that fail are
    /// reported and the others are stored together (IoT Hub answers 400 with the failures and
    /// keeps the rest).
    public static let bulkOperationsMax = 100

    public func bulk(_ operations: [BulkDeviceOperation]) async throws(RegistryFailure) -> [BulkFailure] {
        guard operations.count <= Self.bulkOperationsMax else {
            throw .invalidArgument("a bulk call takes at most \(Self.bulkOperationsMax) devices (got \(operations.count))")
        }
        let now = clock.now()
        let prepared = operations.map { operation in (operation, newGenerationID()) }
        let (failures, revoked) = try await commit { tables throws(RegistryFailure) in
            var working = tables
            var changes: [RegistryChange] = []
            var failures: [BulkFailure] = []
            var revoked: [(String, RevocationReason)] = []
            for (operation, generationID) in prepared {
                do throws(RegistryFailure) {
                    let (change, revocation) = try plan(operation, in: working, generationID: generationID, now: now)
                    working.apply([change])
                    changes.append(change)
                    if let revocation { revoked.append((operation.spec.deviceID, revocation)) }
                } catch {
                    failures.append(BulkFailure(deviceID: operation.spec.deviceID, mode: operation.mode, failure: error))
                }
            }
            return (changes, (failures, revoked))
        }
        for (deviceID, reason) in revoked { revoke(deviceID, reason) }
        return failures
    }

    private func plan(_ operation: BulkDeviceOperation, in tables: RegistryTables, generationID: String,
                      now: Timestamp) throws(RegistryFailure) -> (RegistryChange, RevocationReason?) {
        let spec = operation.spec
        let current = tables.devices[spec.deviceID]
        let ifMatch = operation.mode == .updateIfMatchETag || operation.mode == .deleteIfMatchETag ? (operation.etag ?? "") : nil
        switch operation.mode {
        case .create:
            guard current == nil else { throw .deviceAlreadyExists(deviceID: spec.deviceID) }
            return (.putDevice(try newDevice(spec, generationID: generationID, now: now)), nil)
        case .update, .updateIfMatchETag:
            guard let current else { throw .deviceNotFound(deviceID: spec.deviceID) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed(current: current.etag) }
            let (device, revocation) = try updated(current, with: spec, now: now)
            return (.putDevice(device), revocation)
        case .delete, .deleteIfMatchETag:
            guard let current else { throw .deviceNotFound(deviceID: spec.deviceID) }
            guard ETag.matches(ifMatch: ifMatch, current: current.etag) else { throw .preconditionFailed(current: current.etag) }
            return (.deleteDevice(deviceID: spec.deviceID), .deviceDeleted)
        }
    }
}
