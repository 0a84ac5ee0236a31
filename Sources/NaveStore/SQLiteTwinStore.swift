import GRDB
import NaveCore
import NaveModel

/// The embedded default `TwinStore`: one row per twin in the node's SQLite database (schema:
/// `Schema.v2Twins`), the versions in columns and the rest as one JSON document
/// (`SQLiteTwinStore+Document.swift`). A save is one version check and upsert in a write
/// transaction shared with the saves that arrived meanwhile (`SQLiteTwinWriter`), made durable
/// by the database's `synchronous = FULL` before it returns. Errors are
/// `TwinStoreError`, like every other twin store's.
public final class SQLiteTwinStore: TwinStore {
    /// The database the table lives in; shared with the node's other SQLite stores.
    public let database: SQLiteDatabase

    /// Saves from many twins' writers share transactions (`SQLiteTwinWriter`).
    private let writer: SQLiteTwinWriter

    /// A store over `database`, whose schema is already migrated (by `SQLiteDatabase.init`).
    public init(database: SQLiteDatabase) {
        self.database = database
        writer = SQLiteTwinWriter(database: database)
    }

    public func loadTwin(_ key: IdentityKey) async throws -> Twin? {
        let row = try await storageAccess {
            try await database.pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT version, desiredVersion, reportedVersion, document FROM twins
                        WHERE deviceID = ? AND moduleID = ?
                        """),
                    arguments: [key.deviceID, key.moduleID ?? ""])
                    .map { row -> StoredRow in
                        try StoredRow(version: row.decode(atIndex: 0), desiredVersion: row.decode(atIndex: 1),
                                      reportedVersion: row.decode(atIndex: 2), document: row.decode(atIndex: 3))
                    }
            }
        }
        guard let row else { return nil }
        return try Self.twin(deviceID: key.deviceID, moduleID: key.moduleID, row: row)
    }

    public func loadAllTwins() async throws -> [Twin] {
        let rows = try await storageAccess {
            try await database.pool.read { db in
                try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT deviceID, moduleID, version, desiredVersion, reportedVersion, document FROM twins
                    """)).map { row -> (String, String, StoredRow) in
                    try (row.decode(atIndex: 0), row.decode(atIndex: 1),
                         StoredRow(version: row.decode(atIndex: 2), desiredVersion: row.decode(atIndex: 3),
                                   reportedVersion: row.decode(atIndex: 4), document: row.decode(atIndex: 5)))
                }
            }
        }
        return try rows.map { deviceID, moduleID, row in
            try Self.twin(deviceID: deviceID, moduleID: moduleID.isEmpty ? nil : moduleID, row: row)
        }
    }

    public func saveTwin(_ twin: Twin, expecting expected: StoredTwinVersion?) async throws {
        // GRDB hands text to SQLite as C strings: an id with U+0000 would be cut short (ids
        // never have one, IoT Hub's id rule; the document escapes it as JSON does).
        guard !twin.deviceID.utf8.contains(0), !(twin.moduleID?.utf8.contains(0) ?? false) else {
            throw TwinStoreError.storage("the twin's id contains U+0000, which this store cannot keep")
        }
        try await writer.save(SQLiteTwinWriter.Row(
            deviceID: twin.deviceID, moduleID: twin.moduleID ?? "", version: twin.version, desiredVersion: twin.desired.version,
            reportedVersion: twin.reported.version, document: Self.document(of: twin), expected: expected))
    }

    /// Stores `twins` unconditionally in one transaction (one sync for all): for setting up a
    /// fleet offline (the query benchmark's 100,000 twins; a sync per twin would take minutes).
    public func saveTwinsUnconditionally(_ twins: [Twin]) async throws {
        let rows = twins.map { ($0, Self.document(of: $0)) }
        try await storageAccess {
            try await database.pool.write { db in
                let statement = try db.cachedStatement(sql: Self.upsert)
                for (twin, document) in rows {
                    try statement.execute(arguments: [twin.deviceID, twin.moduleID ?? "", twin.version, twin.desired.version,
                                                      twin.reported.version, document])
                }
            }
        }
    }

    /// One process writes this database (the data directory is locked), so there are no other
    /// writers to hear of.
    public func observeOtherWriters(_ observer: @escaping @Sendable (TwinStoreChange) -> Void) {}

    public func deleteTwin(_ key: IdentityKey) async throws {
        try await storageAccess {
            try await database.pool.write { db in
                try db.cachedStatement(sql: "DELETE FROM twins WHERE deviceID = ? AND moduleID = ?")
                    .execute(arguments: [key.deviceID, key.moduleID ?? ""])
            }
        }
    }

    public func deleteTwins(deviceID: String) async throws {
        try await storageAccess {
            try await database.pool.write { db in
                try db.cachedStatement(sql: "DELETE FROM twins WHERE deviceID = ?").execute(arguments: [deviceID])
            }
        }
    }

    /// Inserts a twin or replaces the one of its (device, module).
    static let upsert = """
        INSERT INTO twins (deviceID, moduleID, version, desiredVersion, reportedVersion, document)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (deviceID, moduleID) DO UPDATE SET version = excluded.version,
            desiredVersion = excluded.desiredVersion, reportedVersion = excluded.reportedVersion,
            document = excluded.document
        """

    /// A row as read, decoded outside the database's queue.
    struct StoredRow: Sendable {
        var version: Int64
        var desiredVersion: Int64
        var reportedVersion: Int64
        var document: String
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: TwinStoreError.self, body)
    }
}
