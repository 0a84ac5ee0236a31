import GRDB
import NaveCore
import NaveModel

/// The events endpoint's consumer groups in the node's SQLite file (migration
/// "v2-consumer-groups"), one row each; the key's NOCASE collation keeps one group per name in
/// any case.
public final class SQLiteConsumerGroupStore: ConsumerGroupStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func loadConsumerGroups() async throws -> [ConsumerGroupInfo] {
        try await storageAccess {
            try await self.database.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT name, createdAt FROM consumerGroups").map { row in
                    ConsumerGroupInfo(name: row["name"], createdAt: Timestamp(millisecondsSinceEpoch: row["createdAt"]))
                }
            }
        }
    }

    public func createConsumerGroup(_ group: ConsumerGroupInfo) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                // Checked in the write transaction, so the refusal is the port's, not a
                // constraint violation to tell apart from other SQLite failures.
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM consumerGroups WHERE name = ?", arguments: [group.name]) != nil {
                    throw ConsumerGroupStoreError.alreadyExists(group.name)
                }
                try db.execute(sql: "INSERT INTO consumerGroups (name, createdAt) VALUES (?, ?)",
                               arguments: [group.name, group.createdAt.millisecondsSinceEpoch])
            }
        }
    }

    public func deleteConsumerGroup(named name: String) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                try db.execute(sql: "DELETE FROM consumerGroups WHERE name = ?", arguments: [name])
            }
        }
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: ConsumerGroupStoreError.self, body)
    }
}
