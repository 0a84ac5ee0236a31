import GRDB
import NaveCore
import NaveModel

/// Automatic device configurations in the node's SQLite file (migration "v2-configurations"):
/// one row per configuration, written through on every create, update and delete.
public final class SQLiteConfigurationStore: ConfigurationStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func loadConfigurations() async throws -> [DeviceConfiguration] {
        try await storageAccess {
            try await self.database.pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, schemaVersion, labels, content, targetCondition, priority, metricQueries, createdTime,
                           lastUpdatedTime, version
                    FROM configurations
                    """).map(Self.configuration)
            }
        }
    }

    public func saveConfiguration(_ configuration: DeviceConfiguration) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO configurations (id, schemaVersion, labels, content, targetCondition, priority,
                                                           metricQueries, createdTime, lastUpdatedTime, version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [configuration.id, configuration.schemaVersion,
                                     JSONValue.object(configuration.labels).serializedString(),
                                     configuration.content.json.serializedString(), configuration.targetCondition,
                                     Int64(configuration.priority), JSONValue.object(configuration.metricQueries).serializedString(),
                                     configuration.createdTime.millisecondsSinceEpoch,
                                     configuration.lastUpdatedTime.millisecondsSinceEpoch, configuration.version])
            }
        }
    }

    public func deleteConfiguration(id: String) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                try db.execute(sql: "DELETE FROM configurations WHERE id = ?", arguments: [id])
            }
        }
    }

    private static func configuration(_ row: Row) throws -> DeviceConfiguration {
        let id: String = row["id"]
        func object(_ column: String) throws -> JSONValue {
            let text: String = row[column]
            guard let value = try? JSONValue(parsing: Array(text.utf8)), value.objectValue != nil else {
                throw ConfigurationStoreError.storage("configuration '\(id)' has a malformed \(column)")
            }
            return value
        }
        let content: ConfigurationContent
        do {
            content = try ConfigurationContent(json: try object("content"))
        } catch {
            throw ConfigurationStoreError.storage("configuration '\(id)' holds content this build cannot read")
        }
        let priority: Int64 = row["priority"]
        return DeviceConfiguration(id: id, schemaVersion: row["schemaVersion"], labels: try object("labels").objectValue ?? JSONObject(),
                             content: content, targetCondition: row["targetCondition"], priority: Int(priority),
                             metricQueries: try object("metricQueries").objectValue ?? JSONObject(),
                             createdTime: Timestamp(millisecondsSinceEpoch: row["createdTime"]),
                             lastUpdatedTime: Timestamp(millisecondsSinceEpoch: row["lastUpdatedTime"]), version: row["version"])
    }

    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: ConfigurationStoreError.self, body)
    }
}
