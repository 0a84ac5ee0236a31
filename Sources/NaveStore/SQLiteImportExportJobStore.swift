import GRDB
import NaveCore
import NaveModel

/// Import/export jobs in the node's SQLite file (migration "v2-import-export-jobs"): one row
/// per job, replaced at each change.
public final class SQLiteImportExportJobStore: ImportExportJobStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func loadImportExportJobs() async throws -> [ImportExportJob] {
        try await storageAccess {
            try await self.database.pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT jobID, request, createdTime, status, progress, startTime, endTime, failureReason FROM importExportJobs
                    """).map(Self.job)
            }
        }
    }

    public func saveImportExportJob(_ job: ImportExportJob) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO importExportJobs (jobID, request, createdTime, status, progress, startTime, endTime, failureReason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [job.jobID, job.request.storedJSON.serializedString(), job.createdTime.millisecondsSinceEpoch,
                                     job.status.rawValue, job.progress, job.startTime.millisecondsSinceEpoch,
                                     job.endTime.millisecondsSinceEpoch, job.failureReason])
            }
        }
    }

    public func deleteImportExportJobs(_ jobIDs: [String]) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                for id in jobIDs { try db.execute(sql: "DELETE FROM importExportJobs WHERE jobID = ?", arguments: [id]) }
            }
        }
    }

    private static func job(_ row: Row) throws -> ImportExportJob {
        let id: String = row["jobID"]
        let requestText: String = row["request"]
        let request: ImportExportJobRequest
        do {
            request = try ImportExportJobRequest(json: try JSONValue(parsing: Array(requestText.utf8)))
        } catch {
            throw JobStoreError.storage("import/export job '\(id)' holds a request this build cannot read")
        }
        guard let status = ImportExportJobStatus(rawValue: row["status"]) else {
            throw JobStoreError.storage("import/export job '\(id)' has an unknown status")
        }
        return ImportExportJob(jobID: id, request: request, createdTime: Timestamp(millisecondsSinceEpoch: row["createdTime"]),
                               status: status, progress: row["progress"],
                               startTime: Timestamp(millisecondsSinceEpoch: row["startTime"]),
                               endTime: Timestamp(millisecondsSinceEpoch: row["endTime"]), failureReason: row["failureReason"])
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: JobStoreError.self, body)
    }
}
