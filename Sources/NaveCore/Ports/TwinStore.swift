import NaveModel

/// The twins' durable port: one document per device and per module. The twin service reads and
/// writes one twin at a time, so a store needs no transactions across twins. It does not assume
/// it is the only writer: every write is versioned (the store checks what it holds, not the
/// process's memory), and a store shared by several nodes tells each of them about the others'
/// writes. Implementations: `InMemoryTwinStore` (tests, embedders without disk; its
/// `otherWriter()` views share one store the way nodes share a database),
/// `NaveStore.SQLiteTwinStore` (the embedded default, one process). All pass
/// `TwinStoreConformance` in the tests.
public protocol TwinStore: Sendable {
    /// The twin of `key` (a module's when `moduleID` is set), nil when none is stored.
    func loadTwin(_ key: IdentityKey) async throws -> Twin?

    /// Every stored twin, of any identity generation (the query index loads them once, at its
    /// first query; a twin kept from an earlier identity of the same id is filtered out there).
    func loadAllTwins() async throws -> [Twin]

    /// Stores `twin` under its device and module ids if what is stored there is still
    /// `expected` (compare-and-set; nil: unconditionally). Throws `TwinStoreError.conflict`, and
    /// stores nothing, when another writer changed it since. Durable when it returns: the hub
    /// acknowledges the change to the caller after this.
    func saveTwin(_ twin: Twin, expecting expected: StoredTwinVersion?) async throws

    /// Calls `observer` with each twin another writer of a shared store saves (never with this
    /// writer's own). A store that is never shared never calls it.
    func observeOtherWriters(_ observer: @escaping @Sendable (TwinStoreChange) -> Void)

    /// Removes one twin (the device's own when `moduleID` is nil, not its modules'); removing
    /// a twin that is not there is no error.
    func deleteTwin(_ key: IdentityKey) async throws

    /// Removes the twin of `deviceID` and those of all its modules.
    func deleteTwins(deviceID: String) async throws
}

extension TwinStore {
    /// Stores `twin` unconditionally (set-up and tests; the twin service writes versioned).
    public func saveTwin(_ twin: Twin) async throws { try await saveTwin(twin, expecting: nil) }
}

/// What a versioned save expects to find stored for the twin's key.
public enum StoredTwinVersion: Sendable, Equatable {
    /// No twin stored under the key.
    case none
    /// A twin (of any identity generation) whose `version` is this.
    case version(Int64)

    /// What is stored when `twin` (or nothing) is.
    public init(_ twin: Twin?) { self = twin.map { .version($0.version) } ?? .none }
}

/// A twin another writer stored: what it replaced, and what is stored now.
public struct TwinStoreChange: Sendable {
    public var previous: Twin?
    public var current: Twin

    public init(previous: Twin?, current: Twin) {
        self.previous = previous
        self.current = current
    }
}

/// Why a twin store failed. Every store throws these the same way (or `CancellationError`
/// when the task was cancelled before the write); a failed save stored nothing.
public enum TwinStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The medium failed, or a stored document cannot be read back; the reason is the store's
    /// own words, with no property values in it.
    case storage(String)
    /// The medium has no room (SQLite's SQLITE_FULL, ENOSPC): nothing was stored, and a later
    /// save is tried again.
    case full(String)
    /// A versioned save found another version stored (another writer was first): nothing was
    /// stored; the writer reads the twin again and re-applies its change.
    case conflict(deviceID: String, moduleID: String?)

    public var description: String {
        switch self {
        case .storage(let reason): "twin store failed: \(reason)"
        case .full(let reason): "twin store is full: \(reason)"
        case .conflict(let deviceID, let moduleID):
            "twin of \(moduleID.map { "\(deviceID)/\($0)" } ?? deviceID) changed by another writer"
        }
    }
}
