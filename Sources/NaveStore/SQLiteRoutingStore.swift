import GRDB
import NaveCore
import NaveModel

/// The routing configuration in the node's SQLite file (migration "v2-routing"). A save
/// replaces every row in one transaction; the loader reads the rows back through the JSON
/// readers the REST API uses (`Route(json:)`, …), so a row it cannot read is refused, not guessed.
public final class SQLiteRoutingStore: RoutingStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func loadRouting() async throws -> RoutingConfiguration {
        try await database.pool.read { db in
            var configuration = RoutingConfiguration()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM routingRoutes ORDER BY position") {
                let names = try Self.parse(row["endpointNames"] as String)
                configuration.routes.append(try Route(json: .object(JSONObject([
                    ("name", .string(row["name"])), ("source", .string(row["source"])), ("condition", .string(row["condition"])),
                    ("endpointNames", names), ("isEnabled", .bool(row["isEnabled"] as Int64 == 1)),
                ]))))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM routingEndpoints ORDER BY position") {
                configuration.endpoints.append(try RoutingEndpoint(json: .object(JSONObject([
                    ("name", .string(row["name"])), ("endpointType", .string(row["kind"])),
                    ("settings", try Self.parse(row["settings"] as String)),
                ]))))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM routingEnrichments ORDER BY position") {
                configuration.enrichments.append(try MessageEnrichment(json: .object(JSONObject([
                    ("key", .string(row["key"])), ("value", .string(row["value"])),
                    ("endpointNames", try Self.parse(row["endpointNames"] as String)),
                ]))))
            }
            if let fallback = try Int64.fetchOne(db, sql: "SELECT value FROM routingSettings WHERE key = 'fallbackEnabled'") {
                configuration.fallbackEnabled = fallback == 1
            }
            return configuration
        }
    }

    public func saveRouting(_ configuration: RoutingConfiguration) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM routingRoutes; DELETE FROM routingEndpoints; DELETE FROM routingEnrichments;")
            for (position, route) in configuration.routes.enumerated() {
                try db.execute(sql: """
                    INSERT INTO routingRoutes (name, position, source, condition, endpointNames, isEnabled) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [route.name, position, route.source.rawValue, route.condition,
                                     Self.text(route.json, "endpointNames"), route.isEnabled ? 1 : 0])
            }
            for (position, endpoint) in configuration.endpoints.enumerated() {
                try db.execute(sql: "INSERT INTO routingEndpoints (name, position, kind, settings) VALUES (?, ?, ?, ?)",
                               arguments: [endpoint.name, position, endpoint.kind.rawValue, Self.text(endpoint.json, "settings")])
            }
            for (position, enrichment) in configuration.enrichments.enumerated() {
                try db.execute(sql: "INSERT INTO routingEnrichments (key, position, value, endpointNames) VALUES (?, ?, ?, ?)",
                               arguments: [enrichment.key, position, enrichment.value, Self.text(enrichment.json, "endpointNames")])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO routingSettings (key, value) VALUES ('fallbackEnabled', ?)",
                           arguments: [configuration.fallbackEnabled ? 1 : 0])
        }
    }

    /// The JSON text of member `key` of `document`.
    private static func text(_ document: JSONValue, _ key: String) -> String {
        document.objectValue?[key]?.serializedString() ?? "null"
    }

    private static func parse(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: text)
    }
}
