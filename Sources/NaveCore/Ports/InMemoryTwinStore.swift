import NaveModel
import Synchronization

/// A `TwinStore` that keeps every twin in memory: for tests and for embedders that bring no
/// disk. Twins are values, so a loaded twin never changes under its reader.
public final class InMemoryTwinStore: TwinStore {
    /// deviceID → (moduleID, or "" for the device's own twin) → twin; keyed by device first
    /// so deleting a device's twins finds its modules' without a scan.
    private let twins = Mutex<[String: [String: Twin]]>([:])

    public init() {}

    public func loadTwin(_ key: IdentityKey) async throws -> Twin? {
        twins.withLock { $0[key.deviceID]?[key.moduleID ?? ""] }
    }

    public func saveTwin(_ twin: Twin) async throws {
        twins.withLock { $0[twin.deviceID, default: [:]][twin.moduleID ?? ""] = twin }
    }

    public func deleteTwin(_ key: IdentityKey) async throws {
        twins.withLock { twins in
            twins[key.deviceID]?[key.moduleID ?? ""] = nil
            if twins[key.deviceID]?.isEmpty == true { twins[key.deviceID] = nil }
        }
    }

    public func deleteTwins(deviceID: String) async throws {
        twins.withLock { $0[deviceID] = nil }
    }

    /// How many twins are stored (tests check deletions with it).
    public var count: Int { twins.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
