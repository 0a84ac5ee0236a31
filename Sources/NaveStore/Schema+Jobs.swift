/// Migration "v2-jobs": scheduled jobs and their device rows (`SQLiteJobStore`, reference §3).
extension Schema {
    /// - `jobs.request` is the JobRequest as the SDK sends it (JSON text): the request is read
    ///   back with the same validating reader the REST API uses, so one format, one parser.
    /// - Statuses are IoT Hub's words (`running`, `cancelled`; `canceled` for device rows).
    /// - Times are milliseconds since the Unix epoch; `Timestamp.never` is `Int64.min`.
    /// - `deviceJobs.moduleID` is `''` for a device's own row (a primary key column cannot be
    ///   NULL in a WITHOUT ROWID table); BINARY order of (deviceID, moduleID) is `DeviceJobOrder`.
    /// - `methodResponse` is `{"status":n,"payload":…}` JSON text; the error is two columns.
    static let v2Jobs = """
        CREATE TABLE jobs (
            jobID TEXT NOT NULL PRIMARY KEY,
            request TEXT NOT NULL,
            createdTime INTEGER NOT NULL,
            status TEXT NOT NULL,
            runStartTime INTEGER NOT NULL,
            endTime INTEGER NOT NULL,
            failureReason TEXT,
            statusMessage TEXT
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE deviceJobs (
            jobID TEXT NOT NULL REFERENCES jobs (jobID) ON DELETE CASCADE,
            deviceID TEXT NOT NULL,
            moduleID TEXT NOT NULL,
            status TEXT NOT NULL,
            createdTime INTEGER NOT NULL,
            startTime INTEGER NOT NULL,
            endTime INTEGER NOT NULL,
            lastUpdatedTime INTEGER NOT NULL,
            methodResponse TEXT,
            errorCode TEXT,
            errorDescription TEXT,
            PRIMARY KEY (jobID, deviceID, moduleID)
        ) STRICT, WITHOUT ROWID;
        """
}
