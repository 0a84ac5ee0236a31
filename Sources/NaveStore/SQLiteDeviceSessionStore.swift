import GRDB
import NaveCore
import NaveModel

/// Devices' durable MQTT sessions in the node's SQLite file: one row per client id with the
/// set of IoT Hub topics it subscribed to (migration "v2-hub").
public final class SQLiteDeviceSessionStore: DeviceSessionStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func loadSessions() async throws -> [String: DeviceSubscriptions] {
        try await storageAccess {
            try await self.database.pool.read { db in
                var sessions: [String: DeviceSubscriptions] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT clientID, subscriptions FROM deviceSessions") {
                    let bits: Int64 = row["subscriptions"]
                    sessions[row["clientID"]] = DeviceSubscriptions(rawValue: UInt8(truncatingIfNeeded: bits))
                }
                return sessions
            }
        }
    }

    public func save(clientID: String, _ subscriptions: DeviceSubscriptions) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                if subscriptions.isEmpty {
                    try db.execute(sql: "DELETE FROM deviceSessions WHERE clientID = ?", arguments: [clientID])
                } else {
                    try db.execute(sql: """
                        INSERT INTO deviceSessions (clientID, subscriptions) VALUES (?, ?)
                        ON CONFLICT (clientID) DO UPDATE SET subscriptions = excluded.subscriptions
                        """, arguments: [clientID, Int64(subscriptions.rawValue)])
                }
            }
        }
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: DeviceSessionStoreError.self, body)
    }
}

extension Schema {
    /// Devices' MQTT sessions: the IoT Hub topics each client id subscribed to, as a bit set
    /// (`DeviceSubscriptions`); a device's session outlives its connections (contract §1.5).
    /// Consumer groups' checkpoints in the events endpoint: the next sequence number per
    /// partition.
    static let v2Hub = """
        CREATE TABLE deviceSessions (
            clientID TEXT NOT NULL PRIMARY KEY,
            subscriptions INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE checkpoints (
            consumerGroup TEXT NOT NULL,
            partition INTEGER NOT NULL,
            sequenceNumber INTEGER NOT NULL,
            PRIMARY KEY (consumerGroup, partition)
        ) STRICT, WITHOUT ROWID;
        """
}
