import NaveModel

/// Where the events endpoint's consumer groups are kept. `ConsumerGroups` loads them once at
/// start and writes through; reads never reach the store.
///
/// Names compare without regard to case (Event Hubs' rule); a valid name is ASCII, so ASCII
/// case folding is all a store needs. Create is create-only, so that a store shared by nodes
/// decides a race between two creates of one name, not the last writer.
public protocol ConsumerGroupStore: Sendable {
    /// Every stored group, in no particular order.
    func loadConsumerGroups() async throws -> [ConsumerGroupInfo]
    /// Stores a new group; a group stored under the same name in any case is refused with
    /// `ConsumerGroupStoreError.alreadyExists`, and nothing changes.
    func createConsumerGroup(_ group: ConsumerGroupInfo) async throws
    /// Removes the group stored under `name` in any case; none stored is no error.
    func deleteConsumerGroup(named name: String) async throws
}

/// Why a consumer group store refused (or `CancellationError` when the task was cancelled
/// before the write); a refused write stored nothing.
public enum ConsumerGroupStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A group by that name (in any case) is already stored.
    case alreadyExists(String)
    /// The medium failed; the reason is the store's own words.
    case storage(String)
    /// The medium has no room (SQLite's SQLITE_FULL, ENOSPC): nothing was stored.
    case full(String)

    public var description: String {
        switch self {
        case .alreadyExists(let name): "consumer group store already holds '\(name)'"
        case .storage(let reason): "consumer group store failed: \(reason)"
        case .full(let reason): "consumer group store is full: \(reason)"
        }
    }
}
