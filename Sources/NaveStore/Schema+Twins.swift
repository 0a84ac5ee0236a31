/// Migration "v2-twins": device and module twins (`SQLiteTwinStore`).
extension Schema {
    /// One row per twin, keyed by device and module (`''` for the device's own twin, so the
    /// key has no NULL and the primary key is one b-tree: a device's twins are adjacent, and
    /// deleting them is a range delete on the key's prefix).
    ///
    /// - The versions live in columns (the twin's, desired's and reported's), where queries
    ///   and diagnostics can read them without parsing; everything else is one JSON document
    ///   (`document`, format in `SQLiteTwinStore+Document.swift`), written and read whole,
    ///   because a twin is always loaded and saved whole.
    /// - No foreign key to `devices`: twin rows are removed by the twin service when the
    ///   registry deletes an identity, and a row that outlives its identity is recognised by
    ///   the identity generation in the document and never shown.
    static let v2Twins = """
        CREATE TABLE twins (
            deviceID TEXT NOT NULL,
            moduleID TEXT NOT NULL,
            version INTEGER NOT NULL,
            desiredVersion INTEGER NOT NULL,
            reportedVersion INTEGER NOT NULL,
            document TEXT NOT NULL,
            PRIMARY KEY (deviceID, moduleID)
        ) STRICT, WITHOUT ROWID;
        """
}
