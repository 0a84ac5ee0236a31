import NaveModel

/// The twins' durable port: one document per device and per module. The twin service reads and
/// writes one twin at a time (it serialises the writes of each twin itself), so a store needs
/// no transactions across twins. Implementations: `InMemoryTwinStore` (tests, embedders without
/// disk), `NaveStore.SQLiteTwinStore` (the embedded default). All pass `TwinStoreConformance`
/// in the tests.
public protocol TwinStore: Sendable {
    /// The twin of `key` (a module's when `moduleID` is set), nil when none is stored.
    func loadTwin(_ key: IdentityKey) async throws -> Twin?

    /// Stores `twin` under its device and module ids, replacing what was there. Durable when
    /// it returns: the hub acknowledges the change to the caller after this.
    func saveTwin(_ twin: Twin) async throws

    /// Removes one twin (the device's own when `moduleID` is nil, not its modules'); removing
    /// a twin that is not there is no error.
    func deleteTwin(_ key: IdentityKey) async throws

    /// Removes the twin of `deviceID` and those of all its modules.
    func deleteTwins(deviceID: String) async throws
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

    public var description: String {
        switch self {
        case .storage(let reason): "twin store failed: \(reason)"
        case .full(let reason): "twin store is full: \(reason)"
        }
    }
}
