/// A scheduled job as the hub keeps it and answers it (`JobResponse`, reference §3.2): the
/// request, its lifecycle (§3.3) and its device counts.
public struct JobRecord: Sendable, Equatable {
    public var request: JobRequest
    public var createdTime: Timestamp
    public var status: JobStatus
    /// When the job actually started running (targets evaluated); its execution deadline counts
    /// from here. `never` until then. Not in the REST body (whose `startTime` is the requested one).
    public var runStartTime: Timestamp
    /// Set once the job is finished (§3.2: "`endTime` is set only once completed").
    public var endTime: Timestamp
    /// Why a `failed` job could not run.
    public var failureReason: String?
    public var statusMessage: String?

    public init(request: JobRequest, createdTime: Timestamp, status: JobStatus, runStartTime: Timestamp = .never,
                endTime: Timestamp = .never, failureReason: String? = nil, statusMessage: String? = nil) {
        self.request = request
        self.createdTime = createdTime
        self.status = status
        self.runStartTime = runStartTime
        self.endTime = endTime
        self.failureReason = failureReason
        self.statusMessage = statusMessage
    }

    public var jobID: String { request.jobID }

    /// The instant the job's `maxExecutionTimeInSeconds` runs out, once it runs.
    public var deadline: Timestamp {
        guard runStartTime != .never else { return .never }
        return Timestamp(millisecondsSinceEpoch: runStartTime.millisecondsSinceEpoch + Int64(request.maxExecutionTimeSeconds) * 1000)
    }
}

/// `deviceJobStatistics` (reference §3.2): how many devices the job targets and where each is.
public struct DeviceJobStatistics: Sendable, Equatable {
    public var deviceCount = 0
    public var failedCount = 0
    public var succeededCount = 0
    public var runningCount = 0
    public var pendingCount = 0
    public var canceledCount = 0

    public init() {}

    /// Counts one device in `status` (`by` −1 to take it out again).
    public mutating func count(_ status: DeviceJobStatus, by delta: Int = 1) {
        switch status {
        case .pending, .scheduled: pendingCount += delta
        case .running: runningCount += delta
        case .completed: succeededCount += delta
        case .failed: failedCount += delta
        case .canceled: canceledCount += delta
        }
    }

    /// Devices whose part is not over.
    public var unfinishedCount: Int { pendingCount + runningCount }

    public var json: JSONValue {
        .object(JSONObject([
            ("deviceCount", .integer(Int64(deviceCount))), ("failedCount", .integer(Int64(failedCount))),
            ("succeededCount", .integer(Int64(succeededCount))), ("runningCount", .integer(Int64(runningCount))),
            ("pendingCount", .integer(Int64(pendingCount))),
        ]))
    }
}

extension JobRecord {
    /// The `JobResponse` body (reference §3.2; fields as azure-iot-hub's `job_response_py3.py`
    /// names them). `endTime` only once finished; `failureReason` and `statusMessage` only when set.
    public func json(statistics: DeviceJobStatistics) -> JSONValue {
        var object = JSONObject([
            ("jobId", .string(jobID)), ("queryCondition", .string(request.queryCondition)),
            ("createdTime", .string(createdTime.iso8601)), ("startTime", .string(request.startTime.iso8601)),
        ])
        if status.isFinished { object["endTime"] = .string(endTime.iso8601) }
        object["maxExecutionTimeInSeconds"] = .integer(Int64(request.maxExecutionTimeSeconds))
        object["type"] = .string(request.type.rawValue)
        if let method = request.method { object["cloudToDeviceMethod"] = method.json }
        if let patch = request.twinPatch { object["updateTwin"] = patch.json }
        object["status"] = .string(status.rawValue)
        if let failureReason { object["failureReason"] = .string(failureReason) }
        if let statusMessage { object["statusMessage"] = .string(statusMessage) }
        object["deviceJobStatistics"] = statistics.json
        return .object(object)
    }
}
