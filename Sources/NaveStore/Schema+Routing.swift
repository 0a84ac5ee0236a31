/// Migration "v2-routing": the message routing configuration (`SQLiteRoutingStore`, issue #15).
extension Schema {
    /// - One row per route, endpoint and enrichment, with its `position` in the configuration
    ///   (the order routes and endpoints were created in is the order they are listed).
    /// - Lists (`endpointNames`) and endpoint settings are JSON text: read back through the
    ///   same validating JSON readers as the REST API, so one format, one parser.
    /// - `routingSettings` holds the fallback flag as key `fallbackEnabled`, `1` or `0`; no row
    ///   means the default (on).
    /// - A save replaces every row in one transaction; nothing here is written per message.
    static let v2Routing = """
        CREATE TABLE routingRoutes (
            name TEXT NOT NULL PRIMARY KEY,
            position INTEGER NOT NULL,
            source TEXT NOT NULL,
            condition TEXT NOT NULL,
            endpointNames TEXT NOT NULL,
            isEnabled INTEGER NOT NULL CHECK (isEnabled IN (0, 1))
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE routingEndpoints (
            name TEXT NOT NULL PRIMARY KEY,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            settings TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE routingEnrichments (
            key TEXT NOT NULL PRIMARY KEY,
            position INTEGER NOT NULL,
            value TEXT NOT NULL,
            endpointNames TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE routingSettings (
            key TEXT NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        """
}
