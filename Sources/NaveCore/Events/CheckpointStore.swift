/// Where consumer groups of the built-in events endpoint keep their place: per group, the next
/// sequence number to read in each partition (`nave monitor-events --consumer-group`, later the
/// Event Hub-compatible readers).
public protocol CheckpointStore: Sendable {
    func checkpoints(of consumerGroup: String) async throws -> [Int: Int64]
    func save(_ positions: [Int: Int64], for consumerGroup: String) async throws
    /// Removes every partition's checkpoint of the group, its name compared without regard to
    /// ASCII case (consumer group names are ASCII and case-insensitive): a deleted group leaves
    /// nothing for a new group of the same name to resume from.
    func deleteCheckpoints(of consumerGroup: String) async throws
}

/// Why a checkpoint store failed (or `CancellationError` when the task was cancelled before
/// the write); a failed save stored nothing.
public enum CheckpointStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The medium failed; the reason is the store's own words.
    case storage(String)
    /// The medium has no room (SQLite's SQLITE_FULL, ENOSPC): nothing was stored, and a later
    /// save is tried again.
    case full(String)

    public var description: String {
        switch self {
        case .storage(let reason): "checkpoint store failed: \(reason)"
        case .full(let reason): "checkpoint store is full: \(reason)"
        }
    }
}
