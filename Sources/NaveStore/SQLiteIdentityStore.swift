import GRDB
import NaveCore
import NaveModel

/// The embedded default `IdentityStore`: the registry's tables in the node's SQLite database
/// (schema: `Schema.v1`).
///
/// `apply` runs the whole batch in one write transaction, so a failed change rolls back every
/// earlier one; `loadRegistry` reads one snapshot (a WAL read transaction), so it never sees
/// half of a batch. Errors are `IdentityStoreError`, like every other store's. One limit of the
/// medium: text containing U+0000 is refused (`.storage`), because GRDB passes text to SQLite as
/// C strings and would cut it short.
public final class SQLiteIdentityStore: IdentityStore {
    /// The database the tables live in; shared with the node's other SQLite stores.
    public let database: SQLiteDatabase

    /// A store over `database`, whose schema is already migrated (by `SQLiteDatabase.init`).
    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func loadRegistry() async throws -> RegistrySnapshot {
        try await storageAccess {
            try await database.pool.read { db in
                let scopes = try Self.loadParentScopes(db)
                return try RegistrySnapshot(
                    devices: Self.loadDevices(db, parentScopes: scopes),
                    modules: Self.loadModules(db),
                    policies: Self.loadPolicies(db))
            }
        }
    }

    public func apply(_ changes: [RegistryChange]) async throws {
        guard !changes.isEmpty else { return }
        try await storageAccess {
            // `write` wraps the closure in a transaction and rolls it back when it throws.
            try await database.pool.write { db in
                for change in changes {
                    try Self.apply(change, in: db)
                }
            }
        }
    }

    private static func apply(_ change: RegistryChange, in db: Database) throws {
        switch change {
        case .putDevice(let device):
            try putDevice(device, in: db)
        case .deleteDevice(let deviceID):
            // Modules and parent scopes go with it (ON DELETE CASCADE).
            try db.cachedStatement(sql: "DELETE FROM devices WHERE deviceID = ?").execute(arguments: [deviceID])
        case .putModule(let module):
            // Checked here rather than read back from the foreign-key failure, so the error
            // names the device; the foreign key stays as the backstop.
            let exists = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM devices WHERE deviceID = ?)"),
                arguments: [module.deviceID]) ?? false
            guard exists else { throw IdentityStoreError.unknownDevice(deviceID: module.deviceID) }
            try putModule(module, in: db)
        case .deleteModule(let deviceID, let moduleID):
            try db.cachedStatement(sql: "DELETE FROM modules WHERE deviceID = ? AND moduleID = ?")
                .execute(arguments: [deviceID, moduleID])
        case .putPolicy(let policy):
            try putPolicy(policy, in: db)
        case .deletePolicy(let name):
            try db.cachedStatement(sql: "DELETE FROM policies WHERE name = ?").execute(arguments: [name])
        }
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: IdentityStoreError.self, body)
    }
}
