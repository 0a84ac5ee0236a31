/// One device's part in a scheduled job: a row of `devices.jobs` (reference §3.4; C#
/// `DeviceJob`). Made `pending` when the job starts (its targets frozen, §3.3 step 2); its
/// outcome is stored before the job moves on from the device.
public struct DeviceJobRecord: Sendable, Equatable {
    public var jobID: String
    public var key: IdentityKey
    public var status: DeviceJobStatus
    public var createdTime: Timestamp
    public var startTime: Timestamp
    public var endTime: Timestamp
    public var lastUpdatedTime: Timestamp
    /// `outcome.deviceMethodResponse` of a method job the device answered.
    public var methodResponse: DeviceJobMethodResponse?
    /// Why the device failed (§3.3 step 3: `{"code":"DeviceNotOnline",…}`).
    public var error: DeviceJobError?

    public init(jobID: String, key: IdentityKey, status: DeviceJobStatus, createdTime: Timestamp,
                startTime: Timestamp = .never, endTime: Timestamp = .never, lastUpdatedTime: Timestamp? = nil,
                methodResponse: DeviceJobMethodResponse? = nil, error: DeviceJobError? = nil) {
        self.jobID = jobID
        self.key = key
        self.status = status
        self.createdTime = createdTime
        self.startTime = startTime
        self.endTime = endTime
        self.lastUpdatedTime = lastUpdatedTime ?? createdTime
        self.methodResponse = methodResponse
        self.error = error
    }
}

/// A device's answer to a job's method (§3.3 step 3): `{"status": <int>, "payload": <json>}`.
public struct DeviceJobMethodResponse: Sendable, Equatable {
    public var status: Int
    public var payload: JSONValue

    public init(status: Int, payload: JSONValue) {
        self.status = status
        self.payload = payload
    }

    public var json: JSONValue { .object(JSONObject([("status", .integer(Int64(status))), ("payload", payload)])) }
}

/// `error` of a failed device job (C# `DeviceJobError`: `code`, `description`).
public struct DeviceJobError: Sendable, Equatable {
    public var code: String
    public var description: String

    public init(code: String, description: String) {
        self.code = code
        self.description = description
    }

    public var json: JSONValue { .object(JSONObject([("code", .string(code)), ("description", .string(description))])) }

    /// What real IoT Hub records for a device that was not online (§3.3 step 3, observed).
    public static let deviceNotOnline = DeviceJobError(code: "DeviceNotOnline", description: "Timed out waiting for device to connect")
    /// The job's `maxExecutionTimeInSeconds` ran out before the device's part was done.
    public static let jobTimedOut = DeviceJobError(code: "JobTimedOut",
                                                   description: "The job's maxExecutionTimeInSeconds ran out before this device was done")

    /// The hub's refusal of the device's operation, by IoT Hub's error name.
    public init(_ error: HubError) {
        self.init(code: error.name, description: error.message)
    }
}

extension DeviceJobRecord {
    /// The `devices.jobs` row (§3.4) of this device in a job of `jobType`; `error` only on
    /// failure, `moduleId` only for a module.
    public func json(jobType: JobType) -> JSONValue {
        var object = JSONObject([("deviceId", .string(key.deviceID))])
        if let moduleID = key.moduleID { object["moduleId"] = .string(moduleID) }
        object["jobId"] = .string(jobID)
        object["jobType"] = .string(jobType.rawValue)
        object["status"] = .string(status.rawValue)
        object["startTimeUtc"] = .string(startTime.iso8601)
        object["endTimeUtc"] = .string(endTime.iso8601)
        object["createdDateTimeUtc"] = .string(createdTime.iso8601)
        object["lastUpdatedDateTimeUtc"] = .string(lastUpdatedTime.iso8601)
        object["outcome"] = .object(JSONObject([("deviceMethodResponse", methodResponse?.json ?? .null)]))
        if let error { object["error"] = error.json }
        return .object(object)
    }
}
