import Synchronization

/// Checkpoints kept in memory only (tests, embedders without disk).
public final class InMemoryCheckpointStore: CheckpointStore {
    /// consumer group → partition → next sequence number.
    private let groups = Mutex<[String: [Int: Int64]]>([:])

    public init() {}

    public func checkpoints(of consumerGroup: String) async throws -> [Int: Int64] {
        groups.withLock { $0[consumerGroup] ?? [:] }
    }

    public func save(_ positions: [Int: Int64], for consumerGroup: String) async throws {
        groups.withLock { $0[consumerGroup, default: [:]].merge(positions) { _, new in new } }
    }

    public func deleteCheckpoints(of consumerGroup: String) async throws {
        let folded = consumerGroup.lowercased()
        groups.withLock { groups in groups = groups.filter { $0.key.lowercased() != folded } }
    }
}
