import GRDB

/// The database's schema, as GRDB migrations recorded in the file (`grdb_migrations`).
///
/// Rules, because a released migration is a file format:
/// - A migration never changes once released; a schema change is a new migration appended here.
/// - Migrations are plain SQL, never Swift types, so they mean the same thing in every build.
/// - A file with a migration this build does not know is refused (`SQLiteStoreError.newerSchema`).
enum Schema {
    static func migrator(laterMigrations: [(identifier: String, sql: String)]) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: v1) }
        migrator.registerMigration("v2-hub") { db in try db.execute(sql: v2Hub) }
        migrator.registerMigration("v2-twins") { db in try db.execute(sql: v2Twins) }
        migrator.registerMigration("v2-c2d") { db in try db.execute(sql: v2CloudToDevice) }
        migrator.registerMigration("v2-consumer-groups") { db in try db.execute(sql: v2ConsumerGroups) }
        migrator.registerMigration("v2-file-notifications") { db in try db.execute(sql: v2FileNotifications) }
        migrator.registerMigration("v2-jobs") { db in try db.execute(sql: v2Jobs) }
        migrator.registerMigration("v2-configurations") { db in try db.execute(sql: v2Configurations) }
        migrator.registerMigration("v2-import-export-jobs") { db in try db.execute(sql: v2ImportExportJobs) }
        migrator.registerMigration("v2-routing") { db in try db.execute(sql: v2Routing) }
        for migration in laterMigrations {
            let sql = migration.sql
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    /// The identity registry.
    ///
    /// - `STRICT` tables: SQLite then refuses a value of the wrong type instead of storing it.
    /// - `WITHOUT ROWID`: the rows are clustered on their text key, so a key lookup is one b-tree
    ///   search and there is no second index to keep.
    /// - Keys use SQLite's default BINARY collation (UTF-8 byte order). For NFC strings that is
    ///   Unicode scalar order, which is Swift's `String <`, so `ORDER BY` gives the same order as
    ///   the in-memory store.
    /// - Enumerations are stored as IoT Hub's own words (`enabled`, `sas`, `selfSigned`,
    ///   `RegistryRead, ServiceConnect`), not as Swift's raw values or bit positions, and without
    ///   CHECK constraints (SQLite cannot alter a constraint without rebuilding the table): the
    ///   loader refuses a word it does not know.
    /// - Times are milliseconds since the Unix epoch; `Timestamp.never` is `Int64.min`.
    /// - A device's parent scopes live in a child table, one row per scope with its position:
    ///   scopes are arbitrary strings in the service API, so any delimiter would need escaping
    ///   rules, and the rows go with the device through the cascade.
    /// - Child tables start their primary key with `deviceID`, so the cascade from `devices`
    ///   and the loads grouped by device use that index; no separate foreign-key index needed.
    static let v1 = """
        CREATE TABLE devices (
            deviceID TEXT NOT NULL PRIMARY KEY,
            generationID TEXT NOT NULL,
            etag TEXT NOT NULL,
            status TEXT NOT NULL,
            statusReason TEXT,
            statusUpdatedTime INTEGER NOT NULL,
            authenticationType TEXT NOT NULL,
            primaryKey TEXT,
            secondaryKey TEXT,
            primaryThumbprint TEXT,
            secondaryThumbprint TEXT,
            iotEdge INTEGER NOT NULL CHECK (iotEdge IN (0, 1)),
            deviceScope TEXT
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE deviceParentScopes (
            deviceID TEXT NOT NULL REFERENCES devices (deviceID) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            scope TEXT NOT NULL,
            PRIMARY KEY (deviceID, position)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE modules (
            deviceID TEXT NOT NULL REFERENCES devices (deviceID) ON DELETE CASCADE,
            moduleID TEXT NOT NULL,
            managedBy TEXT,
            generationID TEXT NOT NULL,
            etag TEXT NOT NULL,
            authenticationType TEXT NOT NULL,
            primaryKey TEXT,
            secondaryKey TEXT,
            primaryThumbprint TEXT,
            secondaryThumbprint TEXT,
            PRIMARY KEY (deviceID, moduleID)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE policies (
            name TEXT NOT NULL PRIMARY KEY,
            rights TEXT NOT NULL,
            primaryKey TEXT NOT NULL,
            secondaryKey TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        """
}
