import GRDB
import NaveCore
import NaveModel

/// Identity values to and from the rows of `Schema.v1`. Columns are named in every statement and
/// read by position, so a later migration that adds a column changes nothing here.
extension SQLiteIdentityStore {
    // MARK: Writing

    /// Upsert, not `INSERT OR REPLACE`: REPLACE deletes the old row first, and the delete
    /// would cascade to the device's modules and scopes.
    static func putDevice(_ device: DeviceIdentity, in db: Database) throws {
        try refuseNUL([("deviceID", device.deviceID), ("generationID", device.generationID), ("etag", device.etag),
                       ("statusReason", device.statusReason), ("deviceScope", device.deviceScope)]
                      + device.parentScopes.map { ("parentScopes", $0) }
                      + authenticationTexts(device.authentication), in: "device")
        let sql = """
            INSERT INTO devices (deviceID, generationID, etag, status, statusReason, statusUpdatedTime,
                authenticationType, primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint,
                iotEdge, deviceScope)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (deviceID) DO UPDATE SET generationID = excluded.generationID,
                etag = excluded.etag, status = excluded.status, statusReason = excluded.statusReason,
                statusUpdatedTime = excluded.statusUpdatedTime, authenticationType = excluded.authenticationType,
                primaryKey = excluded.primaryKey, secondaryKey = excluded.secondaryKey,
                primaryThumbprint = excluded.primaryThumbprint, secondaryThumbprint = excluded.secondaryThumbprint,
                iotEdge = excluded.iotEdge, deviceScope = excluded.deviceScope
            """
        var values: [(any DatabaseValueConvertible)?] = [
            device.deviceID, device.generationID, device.etag, device.status.rawValue, device.statusReason,
            device.statusUpdatedTime.millisecondsSinceEpoch,
        ]
        values += authenticationValues(device.authentication)
        values += [device.iotEdge, device.deviceScope]
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values))

        try db.cachedStatement(sql: "DELETE FROM deviceParentScopes WHERE deviceID = ?")
            .execute(arguments: [device.deviceID])
        let insertScope = try db.cachedStatement(
            sql: "INSERT INTO deviceParentScopes (deviceID, position, scope) VALUES (?, ?, ?)")
        for (position, scope) in device.parentScopes.enumerated() {
            try insertScope.execute(arguments: [device.deviceID, position, scope])
        }
    }

    static func putModule(_ module: ModuleIdentity, in db: Database) throws {
        try refuseNUL([("deviceID", module.deviceID), ("moduleID", module.moduleID), ("managedBy", module.managedBy),
                       ("generationID", module.generationID), ("etag", module.etag)]
                      + authenticationTexts(module.authentication), in: "module")
        let sql = """
            INSERT INTO modules (deviceID, moduleID, managedBy, generationID, etag,
                authenticationType, primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (deviceID, moduleID) DO UPDATE SET managedBy = excluded.managedBy,
                generationID = excluded.generationID, etag = excluded.etag,
                authenticationType = excluded.authenticationType,
                primaryKey = excluded.primaryKey, secondaryKey = excluded.secondaryKey,
                primaryThumbprint = excluded.primaryThumbprint, secondaryThumbprint = excluded.secondaryThumbprint
            """
        var values: [(any DatabaseValueConvertible)?] = [
            module.deviceID, module.moduleID, module.managedBy, module.generationID, module.etag,
        ]
        values += authenticationValues(module.authentication)
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values))
    }

    static func putPolicy(_ policy: SharedAccessPolicy, in db: Database) throws {
        try refuseNUL([("name", policy.name), ("primaryKey", policy.primaryKey), ("secondaryKey", policy.secondaryKey)],
                      in: "policy")
        let sql = """
            INSERT INTO policies (name, rights, primaryKey, secondaryKey) VALUES (?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET rights = excluded.rights,
                primaryKey = excluded.primaryKey, secondaryKey = excluded.secondaryKey
            """
        try db.cachedStatement(sql: sql).execute(
            arguments: [policy.name, policy.rights.description, policy.primaryKey, policy.secondaryKey])
    }

    /// `authenticationType, primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint`.
    private static func authenticationValues(_ authentication: Authentication) -> [(any DatabaseValueConvertible)?] {
        [authentication.kind.rawValue, authentication.primaryKey, authentication.secondaryKey,
         authentication.primaryThumbprint, authentication.secondaryThumbprint]
    }

    private static func authenticationTexts(_ authentication: Authentication) -> [(String, String?)] {
        [("primaryKey", authentication.primaryKey), ("secondaryKey", authentication.secondaryKey),
         ("primaryThumbprint", authentication.primaryThumbprint),
         ("secondaryThumbprint", authentication.secondaryThumbprint)]
    }

    /// GRDB binds and reads text as C strings, so a U+0000 would silently cut the value short.
    /// Refusing it keeps the round trip exact; no IoT Hub identifier may contain it anyway. The
    /// error names the field, never the value (it may be a key).
    private static func refuseNUL(_ fields: [(name: String, value: String?)], in kind: String) throws {
        for field in fields where field.value?.utf8.contains(0) == true {
            throw IdentityStoreError.storage("the \(kind)'s \(field.name) contains U+0000, which this store cannot keep")
        }
    }

    // MARK: Reading

    /// Which rows a load reads: all of them, or those of one key (a `WHERE` on the table's
    /// primary key, so one b-tree search per key).
    struct RowFilter {
        var clause: String
        var arguments: StatementArguments

        static let all = RowFilter(clause: "", arguments: [])

        /// The rows of one device: in `devices`, its row; in `modules` and `deviceParentScopes`, its children.
        static func device(_ deviceID: String) -> RowFilter { RowFilter(clause: "WHERE deviceID = ?", arguments: [deviceID]) }

        static func module(_ deviceID: String, _ moduleID: String) -> RowFilter {
            RowFilter(clause: "WHERE deviceID = ? AND moduleID = ?", arguments: [deviceID, moduleID])
        }

        static func policy(_ name: String) -> RowFilter { RowFilter(clause: "WHERE name = ?", arguments: [name]) }
    }

    static func loadParentScopes(_ db: Database, _ filter: RowFilter = .all) throws -> [String: [String]] {
        var scopes: [String: [String]] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT deviceID, scope FROM deviceParentScopes \(filter.clause) ORDER BY deviceID, position"),
            arguments: filter.arguments)
        while let row = try rows.next() {
            try scopes[row.decode(String.self, atIndex: 0), default: []].append(row.decode(String.self, atIndex: 1))
        }
        return scopes
    }

    static func loadDevices(_ db: Database, parentScopes: [String: [String]], _ filter: RowFilter = .all) throws -> [DeviceIdentity] {
        let sql = """
            SELECT deviceID, generationID, etag, status, statusReason, statusUpdatedTime,
                authenticationType, primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint,
                iotEdge, deviceScope
            FROM devices \(filter.clause) ORDER BY deviceID
            """
        var devices: [DeviceIdentity] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: filter.arguments)
        while let row = try rows.next() {
            let deviceID: String = try row.decode(atIndex: 0)
            devices.append(try DeviceIdentity(
                deviceID: deviceID, generationID: row.decode(atIndex: 1), etag: row.decode(atIndex: 2),
                status: known(DeviceStatus(rawValue: row.decode(atIndex: 3)), "device status", table: "devices"),
                statusReason: row.decode(atIndex: 4),
                statusUpdatedTime: Timestamp(millisecondsSinceEpoch: row.decode(atIndex: 5)),
                authentication: authentication(row, from: 6, table: "devices"),
                iotEdge: row.decode(atIndex: 11), deviceScope: row.decode(atIndex: 12),
                parentScopes: parentScopes[deviceID] ?? []))
        }
        return devices
    }

    static func loadModules(_ db: Database, _ filter: RowFilter = .all) throws -> [ModuleIdentity] {
        let sql = """
            SELECT deviceID, moduleID, managedBy, generationID, etag,
                authenticationType, primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint
            FROM modules \(filter.clause) ORDER BY deviceID, moduleID
            """
        var modules: [ModuleIdentity] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: filter.arguments)
        while let row = try rows.next() {
            modules.append(try ModuleIdentity(
                deviceID: row.decode(atIndex: 0), moduleID: row.decode(atIndex: 1), managedBy: row.decode(atIndex: 2),
                generationID: row.decode(atIndex: 3), etag: row.decode(atIndex: 4),
                authentication: authentication(row, from: 5, table: "modules")))
        }
        return modules
    }

    static func loadPolicies(_ db: Database, _ filter: RowFilter = .all) throws -> [SharedAccessPolicy] {
        var policies: [SharedAccessPolicy] = []
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT name, rights, primaryKey, secondaryKey FROM policies \(filter.clause) ORDER BY name"),
            arguments: filter.arguments)
        while let row = try rows.next() {
            policies.append(try SharedAccessPolicy(
                name: row.decode(atIndex: 0),
                rights: known(AccessRights(names: row.decode(atIndex: 1)), "access right", table: "policies"),
                primaryKey: row.decode(atIndex: 2), secondaryKey: row.decode(atIndex: 3)))
        }
        return policies
    }

    /// The five authentication columns starting at `index`.
    private static func authentication(_ row: Row, from index: Int, table: String) throws -> Authentication {
        try Authentication(
            kind: known(Authentication.Kind(rawValue: row.decode(atIndex: index)), "authentication type", table: table),
            primaryKey: row.decode(atIndex: index + 1), secondaryKey: row.decode(atIndex: index + 2),
            primaryThumbprint: row.decode(atIndex: index + 3), secondaryThumbprint: row.decode(atIndex: index + 4))
    }

    /// A word the loader does not know means the file was edited by hand or by a newer schema
    /// that this build failed to detect: refuse it rather than guess.
    private static func known<T>(_ value: T?, _ what: String, table: String) throws -> T {
        guard let value else { throw IdentityStoreError.storage("unknown \(what) in table \(table)") }
        return value
    }
}
