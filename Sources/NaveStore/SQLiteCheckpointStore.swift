import GRDB
import NaveCore

/// Consumer-group checkpoints in the node's SQLite file (migration "v2-hub").
public final class SQLiteCheckpointStore: CheckpointStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func checkpoints(of consumerGroup: String) async throws -> [Int: Int64] {
        try await storageAccess {
            try await self.database.pool.read { db in
                var positions: [Int: Int64] = [:]
                let rows = try Row.fetchAll(db, sql: "SELECT partition, sequenceNumber FROM checkpoints WHERE consumerGroup = ?",
                                            arguments: [consumerGroup])
                for row in rows { positions[row["partition"]] = row["sequenceNumber"] }
                return positions
            }
        }
    }

    public func save(_ positions: [Int: Int64], for consumerGroup: String) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                for (partition, sequenceNumber) in positions {
                    try db.execute(sql: """
                        INSERT INTO checkpoints (consumerGroup, partition, sequenceNumber) VALUES (?, ?, ?)
                        ON CONFLICT (consumerGroup, partition) DO UPDATE SET sequenceNumber = excluded.sequenceNumber
                        """, arguments: [consumerGroup, partition, sequenceNumber])
                }
            }
        }
    }

    public func deleteCheckpoints(of consumerGroup: String) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                // NOCASE: checkpoints written before groups were case-folded go too. A scan of
                // the table, which holds a row per group and partition: a few thousand at most.
                try db.execute(sql: "DELETE FROM checkpoints WHERE consumerGroup = ? COLLATE NOCASE", arguments: [consumerGroup])
            }
        }
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: CheckpointStoreError.self, body)
    }
}
