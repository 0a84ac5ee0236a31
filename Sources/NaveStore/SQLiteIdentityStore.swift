import GRDB
import NaveCore
import NaveModel

/// The embedded default `IdentityStore`: the registry's tables in the node's SQLite database
/// (schema: `Schema.v1`).
///
/// `apply` checks the batch's expected versions and runs the whole batch in one write
/// transaction, so a conflict or a failed change rolls back every earlier one; `loadRegistry`
/// and `loadRows` read one snapshot (a WAL read transaction), so they never see half of a
/// batch. Errors are `IdentityStoreError`, like every other store's. One limit of the
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

    public func loadRows(_ keys: Set<RegistryRowKey>) async throws -> RegistrySnapshot {
        guard !keys.isEmpty else { return RegistrySnapshot() }
        return try await storageAccess {
            try await database.pool.read { db in
                var rows = RegistrySnapshot()
                for key in keys {
                    switch key {
                    case .device(let deviceID):
                        let filter = RowFilter.device(deviceID)
                        let devices = try Self.loadDevices(db, parentScopes: Self.loadParentScopes(db, filter), filter)
                        rows.devices += devices
                        if !devices.isEmpty { rows.modules += try Self.loadModules(db, filter) }
                    case .module(let deviceID, let moduleID):
                        rows.modules += try Self.loadModules(db, .module(deviceID, moduleID))
                    case .policy(let name):
                        rows.policies += try Self.loadPolicies(db, .policy(name))
                    }
                }
                return rows
            }
        }
    }

    public func apply(_ changes: [RegistryChange], expecting expected: [RegistryRowKey: StoredRegistryVersion]) async throws {
        guard !changes.isEmpty || !expected.isEmpty else { return }
        try await storageAccess {
            // `write` wraps the closure in a transaction and rolls it back when it throws. The
            // checks and the writes are one transaction, and SQLite has one writer at a time.
            try await database.pool.write { db in
                for (key, version) in expected where try Self.storedVersion(of: key, in: db) != version {
                    throw IdentityStoreError.conflict(key)
                }
                for change in changes {
                    try Self.apply(change, in: db)
                }
            }
        }
    }

    /// One process writes this database (the data directory is locked), so there are no other
    /// writers to hear of.
    public func observeOtherWriters(_ observer: @escaping @Sendable (RegistryStoreChange) -> Void) {}

    /// What `key`'s row holds, as a versioned write compares it.
    private static func storedVersion(of key: RegistryRowKey, in db: Database) throws -> StoredRegistryVersion {
        switch key {
        case .device(let deviceID):
            let etag = try String.fetchOne(db.cachedStatement(sql: "SELECT etag FROM devices WHERE deviceID = ?"),
                                           arguments: [deviceID])
            return etag.map(StoredRegistryVersion.etag) ?? .none
        case .module(let deviceID, let moduleID):
            let etag = try String.fetchOne(
                db.cachedStatement(sql: "SELECT etag FROM modules WHERE deviceID = ? AND moduleID = ?"),
                arguments: [deviceID, moduleID])
            return etag.map(StoredRegistryVersion.etag) ?? .none
        case .policy(let name):
            return StoredRegistryVersion(try loadPolicies(db, .policy(name)).first)
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
