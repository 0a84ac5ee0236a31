/// Migration "v2-import-export-jobs": import/export jobs (`SQLiteImportExportJobStore`,
/// reference §3.5).
extension Schema {
    /// - `request` is the `JobProperties` as stored (`ImportExportJobRequest.storedJSON`, JSON
    ///   text, container URIs with their SAS) and read back with the REST API's validating reader.
    /// - `status` is IoT Hub's word (`enqueued`, `running`, `completed`, `failed`, `cancelled`).
    /// - Times are milliseconds since the Unix epoch; `Timestamp.never` is `Int64.min`.
    static let v2ImportExportJobs = """
        CREATE TABLE importExportJobs (
            jobID TEXT NOT NULL PRIMARY KEY,
            request TEXT NOT NULL,
            createdTime INTEGER NOT NULL,
            status TEXT NOT NULL,
            progress INTEGER NOT NULL,
            startTime INTEGER NOT NULL,
            endTime INTEGER NOT NULL,
            failureReason TEXT
        ) STRICT, WITHOUT ROWID;
        """
}
