/// Migration "v2-consumer-groups": the events endpoint's consumer groups
/// (`SQLiteConsumerGroupStore`).
extension Schema {
    /// One row per group. The key is `COLLATE NOCASE` because Event Hubs compares consumer group
    /// names without regard to case: the table itself refuses `Analytics` beside `analytics`,
    /// whoever writes it. Names are ASCII (Event Hubs' rule), where NOCASE is exact case folding.
    /// `createdAt` is milliseconds since the Unix epoch, as in `v1`.
    static let v2ConsumerGroups = """
        CREATE TABLE consumerGroups (
            name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
            createdAt INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        """
}
