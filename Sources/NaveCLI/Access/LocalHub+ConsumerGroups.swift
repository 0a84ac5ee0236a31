import NaveCore
import NaveModel
import NaveNode
import NaveStore

/// Consumer groups straight in the store when no node runs: the node that starts next loads
/// them (and has no reader of a deleted group to detach).
extension LocalHub {
    func consumerGroups() async throws -> JSONValue {
        .array(try await openConsumerGroups().list().map(\.json))
    }

    func createConsumerGroup(name: String) async throws -> JSONValue {
        try await openConsumerGroups().create(name).json
    }

    func deleteConsumerGroup(name: String) async throws {
        try await openConsumerGroups().delete(name)
    }

    private func openConsumerGroups() async throws -> ConsumerGroups {
        try await ConsumerGroups.open(store: SQLiteConsumerGroupStore(database: database),
                                      checkpoints: SQLiteCheckpointStore(database: database), clock: SystemClock())
    }
}
