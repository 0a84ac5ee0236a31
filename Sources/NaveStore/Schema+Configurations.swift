/// Migration "v2-configurations": automatic device configurations (`SQLiteConfigurationStore`,
/// reference §4). What a configuration did to each twin is in the twin's document (format 2).
extension Schema {
    /// - `content`, `labels` and `metricQueries` are JSON text as the REST body has them
    ///   (`{"deviceContent":{…}}`, `{name: value}`, `{name: query}`), read back with the same
    ///   validating reader the REST API uses.
    /// - Times are milliseconds since the Unix epoch; `version` makes the etag with `createdTime`.
    static let v2Configurations = """
        CREATE TABLE configurations (
            id TEXT NOT NULL PRIMARY KEY,
            schemaVersion TEXT NOT NULL,
            labels TEXT NOT NULL,
            content TEXT NOT NULL,
            targetCondition TEXT NOT NULL,
            priority INTEGER NOT NULL,
            metricQueries TEXT NOT NULL,
            createdTime INTEGER NOT NULL,
            lastUpdatedTime INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        """
}
