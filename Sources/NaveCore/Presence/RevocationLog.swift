import NaveModel

/// A moment in the order of revocations, taken by a CONNECT before it reads the registry.
/// Registering with it (`LiveConnections.register(_:as:at:admittedAt:)`) fails when the identity
/// was revoked since: the registry said yes, but the answer may predate the disable, delete or
/// new key that the revocation stands for (issue #11, item 6).
public struct RevocationEpoch: Sendable, Hashable, Comparable {
    let value: UInt64

    public static func < (lhs: RevocationEpoch, rhs: RevocationEpoch) -> Bool { lhs.value < rhs.value }
}

/// Which identities were revoked when, kept under the presence lock with the connections so a
/// registration and a revocation are ordered by that one lock (contract §4.4: a disabled,
/// deleted or re-keyed identity must not stay connected).
///
/// Memory: a mark per identity ever revoked, dropped when the identity is deleted (so bounded
/// by the registry's size), plus at most `forgottenIdentitiesMax` marks of deleted identities.
/// A deleted identity's mark is still needed by a CONNECT that read the registry before the
/// delete and registers after it; when that table is full it is emptied and its newest epoch
/// becomes a floor: any CONNECT that started before the floor is refused, which costs at most a
/// retry for CONNECTs in flight at that moment — and never lets a deleted identity in.
struct RevocationLog {
    /// Deleted identities whose revocation is remembered by name; past this the table is
    /// emptied into `floor`. 4,096 marks of about 100 bytes each: under half a megabyte.
    static let forgottenIdentitiesMax = 4_096

    private struct DeviceMarks {
        /// Revocations of the device alone (new device keys).
        var device = RevocationEpoch(value: 0)
        /// Revocations of the device with its modules (disabled, deleted).
        var deviceAndModules = RevocationEpoch(value: 0)
        /// moduleID → revocation of that module alone (new module keys).
        var modules: [String: RevocationEpoch] = [:]
    }

    private var marks: [String: DeviceMarks] = [:]
    /// Deleted identities (a device's key stands for its modules too) → when they were forgotten.
    private var forgotten: [IdentityKey: RevocationEpoch] = [:]
    /// CONNECTs that started before this epoch are refused: see the type's comment.
    private var floor = RevocationEpoch(value: 0)

    /// Records that `key` (with `includingModules`, all its device's identities) was revoked at `epoch`.
    mutating func record(_ key: IdentityKey, includingModules: Bool, at epoch: RevocationEpoch) {
        if includingModules {
            marks[key.deviceID, default: DeviceMarks()].deviceAndModules = epoch
        } else if let moduleID = key.moduleID {
            marks[key.deviceID, default: DeviceMarks()].modules[moduleID] = epoch
        } else {
            marks[key.deviceID, default: DeviceMarks()].device = epoch
        }
    }

    /// Drops the marks of a deleted identity (a device: with its modules), keeping only that it
    /// was deleted at `epoch`.
    mutating func forget(_ key: IdentityKey, at epoch: RevocationEpoch) {
        if let moduleID = key.moduleID {
            marks[key.deviceID]?.modules[moduleID] = nil
        } else {
            marks[key.deviceID] = nil
        }
        if forgotten.count >= Self.forgottenIdentitiesMax {
            floor = forgotten.values.max() ?? floor
            forgotten.removeAll(keepingCapacity: true)
        }
        forgotten[key] = epoch
    }

    /// Deleted identities remembered by name (at most `forgottenIdentitiesMax`).
    var forgottenCount: Int { forgotten.count }

    /// Whether `key` was revoked (or deleted) after `epoch`.
    func revoked(_ key: IdentityKey, since epoch: RevocationEpoch) -> Bool {
        if epoch < floor { return true }
        let device = IdentityKey(deviceID: key.deviceID)
        if let deleted = forgotten[device], epoch < deleted { return true }
        if let marks = marks[key.deviceID] {
            if epoch < marks.deviceAndModules { return true }
            guard let moduleID = key.moduleID else { return epoch < marks.device }
            if let module = marks.modules[moduleID], epoch < module { return true }
        }
        guard key.moduleID != nil, let deleted = forgotten[key] else { return false }
        return epoch < deleted
    }
}
