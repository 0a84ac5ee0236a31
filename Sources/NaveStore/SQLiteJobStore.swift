import GRDB
import NaveCore
import NaveModel

/// Scheduled jobs in the node's SQLite file (migration "v2-jobs"): a row per job and a row per
/// (job, device). Each device outcome is its own small commit, fsynced (`PRAGMA synchronous =
/// FULL`, `SQLiteDatabase`): the job moves on from a device only once its outcome is durable.
public final class SQLiteJobStore: JobStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func loadJobs() async throws -> [StoredJob] {
        try await storageAccess {
            try await self.database.pool.read { db in
                var jobs: [String: StoredJob] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT jobID, request, createdTime, status, runStartTime, endTime, failureReason, statusMessage FROM jobs
                    """) {
                    let job = try Self.job(row)
                    jobs[job.jobID] = StoredJob(job: job)
                }
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT jobID, deviceID, moduleID, status, createdTime, startTime, endTime, lastUpdatedTime,
                           methodResponse, errorCode, errorDescription
                    FROM deviceJobs ORDER BY jobID, deviceID, moduleID
                    """)
                while let row = try rows.next() {
                    let device = try Self.deviceJob(row)
                    jobs[device.jobID]?.devices.append(device)
                }
                return Array(jobs.values)
            }
        }
    }

    public func createJob(_ job: JobRecord) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE jobID = ?", arguments: [job.jobID]) != nil {
                    throw JobStoreError.alreadyExists(job.jobID)
                }
                try Self.upsert(job, db)
            }
        }
    }

    public func saveJob(_ job: JobRecord, devices: [DeviceJobRecord]) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                try Self.upsert(job, db)
                for device in devices { try Self.upsert(device, db) }
            }
        }
    }

    public func saveDeviceJob(_ device: DeviceJobRecord) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in try Self.upsert(device, db) }
        }
    }

    public func deleteJobs(_ jobIDs: [String]) async throws {
        try await storageAccess {
            try await self.database.pool.write { db in
                for id in jobIDs { try db.execute(sql: "DELETE FROM jobs WHERE jobID = ?", arguments: [id]) }
            }
        }
    }

    // MARK: Rows

    private static func upsert(_ job: JobRecord, _ db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO jobs (jobID, request, createdTime, status, runStartTime, endTime, failureReason, statusMessage)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [job.jobID, job.request.json.serializedString(), job.createdTime.millisecondsSinceEpoch,
                             job.status.rawValue, job.runStartTime.millisecondsSinceEpoch, job.endTime.millisecondsSinceEpoch,
                             job.failureReason, job.statusMessage])
    }

    private static func upsert(_ device: DeviceJobRecord, _ db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO deviceJobs (jobID, deviceID, moduleID, status, createdTime, startTime, endTime,
                                               lastUpdatedTime, methodResponse, errorCode, errorDescription)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [device.jobID, device.key.deviceID, device.key.moduleID ?? "", device.status.rawValue,
                             device.createdTime.millisecondsSinceEpoch, device.startTime.millisecondsSinceEpoch,
                             device.endTime.millisecondsSinceEpoch, device.lastUpdatedTime.millisecondsSinceEpoch,
                             device.methodResponse?.json.serializedString(), device.error?.code, device.error?.description])
    }

    private static func job(_ row: Row) throws -> JobRecord {
        let id: String = row["jobID"]
        let requestText: String = row["request"]
        let createdTime = Timestamp(millisecondsSinceEpoch: row["createdTime"])
        let request: JobRequest
        do {
            request = try JobRequest(json: try JSONValue(parsing: Array(requestText.utf8)), pathJobID: id, now: createdTime)
        } catch {
            throw JobStoreError.storage("job '\(id)' holds a request this build cannot read")
        }
        guard let status = JobStatus(rawValue: row["status"]) else { throw JobStoreError.storage("job '\(id)' has an unknown status") }
        return JobRecord(request: request, createdTime: createdTime, status: status,
                         runStartTime: Timestamp(millisecondsSinceEpoch: row["runStartTime"]),
                         endTime: Timestamp(millisecondsSinceEpoch: row["endTime"]),
                         failureReason: row["failureReason"], statusMessage: row["statusMessage"])
    }

    private static func deviceJob(_ row: Row) throws -> DeviceJobRecord {
        let jobID: String = row["jobID"]
        let moduleID: String = row["moduleID"]
        guard let status = DeviceJobStatus(rawValue: row["status"]) else {
            throw JobStoreError.storage("a device row of job '\(jobID)' has an unknown status")
        }
        var response: DeviceJobMethodResponse?
        if let text: String = row["methodResponse"] {
            guard let json = try? JSONValue(parsing: Array(text.utf8)), let status = json["status"]?.int64Value else {
                throw JobStoreError.storage("a device row of job '\(jobID)' has an unreadable method response")
            }
            response = DeviceJobMethodResponse(status: Int(clamping: status), payload: json["payload"] ?? .null)
        }
        let errorCode: String? = row["errorCode"]
        return DeviceJobRecord(jobID: jobID, key: IdentityKey(deviceID: row["deviceID"], moduleID: moduleID.isEmpty ? nil : moduleID),
                               status: status, createdTime: Timestamp(millisecondsSinceEpoch: row["createdTime"]),
                               startTime: Timestamp(millisecondsSinceEpoch: row["startTime"]),
                               endTime: Timestamp(millisecondsSinceEpoch: row["endTime"]),
                               lastUpdatedTime: Timestamp(millisecondsSinceEpoch: row["lastUpdatedTime"]),
                               methodResponse: response,
                               error: errorCode.map { DeviceJobError(code: $0, description: row["errorDescription"] ?? "") })
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: JobStoreError.self, body)
    }
}
