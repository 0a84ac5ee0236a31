import NaveModel
import Synchronization

/// A `TwinStore` that keeps every twin in memory: for tests and for embedders that bring no
/// disk. Twins are values, so a loaded twin never changes under its reader. `otherWriter()`
/// gives another view of the same twins, as a second node sharing a database would have: each
/// view's observers hear of the other views' saves.
public final class InMemoryTwinStore: TwinStore {
    /// What all views of one store share.
    private final class Shared: Sendable {
        /// deviceID → (moduleID, or "" for the device's own twin) → twin; keyed by device first
        /// so deleting a device's twins finds its modules' without a scan.
        let twins = Mutex<[String: [String: Twin]]>([:])
        /// Observers by the view that registered them.
        let observers = Mutex<[(view: ObjectIdentifier, observer: @Sendable (TwinStoreChange) -> Void)]>([])
    }

    private let shared: Shared

    public init() { shared = Shared() }

    private init(sharing shared: Shared) { self.shared = shared }

    /// Another writer of the same twins.
    public func otherWriter() -> InMemoryTwinStore { InMemoryTwinStore(sharing: shared) }

    public func loadTwin(_ key: IdentityKey) async throws -> Twin? {
        shared.twins.withLock { $0[key.deviceID]?[key.moduleID ?? ""] }
    }

    public func loadAllTwins() async throws -> [Twin] {
        shared.twins.withLock { $0.values.flatMap(\.values) }
    }

    public func saveTwin(_ twin: Twin, expecting expected: StoredTwinVersion?) async throws {
        let previous = try shared.twins.withLock { twins throws(TwinStoreError) -> Twin? in
            let stored = twins[twin.deviceID]?[twin.moduleID ?? ""]
            if let expected, StoredTwinVersion(stored) != expected {
                throw .conflict(deviceID: twin.deviceID, moduleID: twin.moduleID)
            }
            twins[twin.deviceID, default: [:]][twin.moduleID ?? ""] = twin
            return stored
        }
        let me = ObjectIdentifier(self)
        let others = shared.observers.withLock { $0.filter { $0.view != me }.map(\.observer) }
        for observer in others { observer(TwinStoreChange(previous: previous, current: twin)) }
    }

    public func observeOtherWriters(_ observer: @escaping @Sendable (TwinStoreChange) -> Void) {
        let me = ObjectIdentifier(self)
        shared.observers.withLock { $0.append((me, observer)) }
    }

    public func deleteTwin(_ key: IdentityKey) async throws {
        shared.twins.withLock { twins in
            twins[key.deviceID]?[key.moduleID ?? ""] = nil
            if twins[key.deviceID]?.isEmpty == true { twins[key.deviceID] = nil }
        }
    }

    public func deleteTwins(deviceID: String) async throws {
        shared.twins.withLock { $0[deviceID] = nil }
    }

    /// How many twins are stored (tests check deletions with it).
    public var count: Int { shared.twins.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
