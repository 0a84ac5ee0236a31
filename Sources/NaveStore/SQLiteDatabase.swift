import GRDB

/// The node's SQLite database (`<dir>/nave.sqlite`): one GRDB `DatabasePool` and one schema for
/// every SQLite-backed store (the identity registry now; twins, C2D queues and checkpoints as
/// they arrive). One pool per file because GRDB serialises writes per pool: two pools on one file
/// would contend for SQLite's write lock and get `SQLITE_BUSY`.
///
/// Every access after opening goes through GRDB's async API, which runs the SQLite calls on
/// GRDB's own serial writer queue and reader pool, so an event-loop thread awaiting a store never
/// blocks on disk.
public final class SQLiteDatabase: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool

    /// Opens (creating when missing) the database at `path` and brings its schema to this
    /// build's latest migration.
    ///
    /// Refuses, before any migration or store touches it, a database that records a migration
    /// this build does not know (`SQLiteStoreError.newerSchema`): a newer Nave wrote it, and this
    /// one would misread or damage tables it does not understand.
    ///
    /// Opening the file itself is synchronous in GRDB (a few small reads, once): open the
    /// database at start, not from a loop thread that serves connections.
    public convenience init(path: String) async throws(SQLiteStoreError) {
        try await self.init(path: path, laterMigrations: [])
    }

    /// `laterMigrations` are appended to this build's: tests use them to play a newer build.
    init(path: String, laterMigrations: [(identifier: String, sql: String)]) async throws(SQLiteStoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.label = "NaveStore"
        // On by default in GRDB; stated because modules rely on ON DELETE CASCADE.
        configuration.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
        let migrator = Schema.migrator(laterMigrations: laterMigrations)
        do {
            let applied = try await pool.writeWithoutTransaction { db in try migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(migrator.migrations)
            guard unknown.isEmpty else {
                try? pool.close()
                throw SQLiteStoreError.newerSchema(path: path, unknownMigrations: unknown.sorted())
            }
            try await Self.migrate(pool, with: migrator)
            try await pool.writeWithoutTransaction { db in
                // Durability. GRDB puts a WAL writer on synchronous = NORMAL, where a commit is
                // safe from a process crash but the last commits can vanish on power loss (the
                // WAL is fsynced only at checkpoints). FULL fsyncs the WAL on every commit, so a
                // registry change acknowledged to a client (HTTP 200) survives power loss too.
                // Registry writes come at administration rate, so the fsync per commit is cheap;
                // high-rate stores (C2D, checkpoints) can batch commits instead of relaxing this.
                // Set after opening because GRDB's WAL set-up runs after `prepareDatabase`.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        } catch let error as SQLiteStoreError {
            throw error
        } catch {
            try? pool.close()
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
    }

    /// Closes the connections; later accesses throw `IdentityStoreError.storage`. Stores on this
    /// database must be idle. Closing twice is harmless.
    public func close() throws(SQLiteStoreError) {
        do {
            try pool.close()
        } catch {
            throw .cannotClose(path: path, reason: Self.reason(error))
        }
    }

    /// The migrations recorded in the file, in this build's order ("v1", …): the schema version.
    /// Throws GRDB's `DatabaseError` when the file cannot be read.
    public func appliedMigrations() async throws -> [String] {
        let migrator = Schema.migrator(laterMigrations: [])
        return try await pool.read { db in try migrator.appliedMigrations(db) }
    }

    /// The value of a `PRAGMA` on the writer connection (where durability settings matter);
    /// for diagnostics and tests.
    func writerPragma(_ name: String) async throws -> String? {
        try await pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    private static func migrate(_ pool: DatabasePool, with migrator: DatabaseMigrator) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            migrator.asyncMigrate(pool) { result in
                continuation.resume(with: result.map { _ in () })
            }
        }
    }

    /// An error's reason without statement arguments (GRDB leaves them out unless
    /// `publicStatementArguments` is set), so no key reaches a log.
    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "\(error.message ?? "SQLite error") (SQLite code \(error.extendedResultCode.rawValue))"
        }
        // Row decoding errors can quote the row (with its keys): name the kind only.
        return "\(type(of: error))"
    }
}

/// Why the SQLite database could not be opened or closed.
public enum SQLiteStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file records migrations this build does not know: a newer Nave wrote it.
    case newerSchema(path: String, unknownMigrations: [String])
    /// SQLite could not open or migrate the file (not a database, no permission, disk error).
    case cannotOpen(path: String, reason: String)
    /// SQLite could not close the file (a statement is still running).
    case cannotClose(path: String, reason: String)

    public var description: String {
        switch self {
        case .newerSchema(let path, let unknown):
            "the database \(path) was written by a newer Nave (unknown migrations: "
                + "\(unknown.joined(separator: ", "))); refusing to open it. Run that version, or restore a backup"
        case .cannotOpen(let path, let reason):
            "cannot open the database \(path): \(reason)"
        case .cannotClose(let path, let reason):
            "cannot close the database \(path): \(reason)"
        }
    }
}
