import NaveModel
import Synchronization

/// Consumer groups kept in memory only (tests, embedders without disk).
public final class InMemoryConsumerGroupStore: ConsumerGroupStore {
    /// Keyed by the lower-cased name: one group per name in any case.
    private let groups = Mutex<[String: ConsumerGroupInfo]>([:])

    public init() {}

    public func loadConsumerGroups() async throws -> [ConsumerGroupInfo] { groups.withLock { Array($0.values) } }

    public func createConsumerGroup(_ group: ConsumerGroupInfo) async throws {
        try groups.withLock { groups throws(ConsumerGroupStoreError) in
            let key = group.name.lowercased()
            guard groups[key] == nil else { throw .alreadyExists(group.name) }
            groups[key] = group
        }
    }

    public func deleteConsumerGroup(named name: String) async throws {
        _ = groups.withLock { $0.removeValue(forKey: name.lowercased()) }
    }
}
