/// A scheduled job as the back end asks for it: the body of `PUT /jobs/v2/{id}` (reference §3.2),
/// validated. What the hub stores and answers is `JobRecord`, which holds one of these.
public struct JobRequest: Sendable, Equatable {
    public var jobID: String
    public var type: JobType
    /// A WHERE condition over twins, or `*` for every device (§3.2); the hub's `JobTargets`
    /// evaluates it once, when the job starts (§3.3 step 2).
    public var queryCondition: String
    /// When the job starts; absent in the body means now (the caller fills it in).
    public var startTime: Timestamp
    /// How long the job may run before the devices it has not reached fail (§3.3 step 5).
    public var maxExecutionTimeSeconds: Int
    /// For `scheduleDeviceMethod`.
    public var method: JobMethodCall?
    /// For `scheduleUpdateTwin`.
    public var twinPatch: JobTwinPatch?

    public init(jobID: String, type: JobType, queryCondition: String, startTime: Timestamp,
                maxExecutionTimeSeconds: Int = JobRequest.maxExecutionTimeSecondsDefault,
                method: JobMethodCall? = nil, twinPatch: JobTwinPatch? = nil) {
        self.jobID = jobID
        self.type = type
        self.queryCondition = queryCondition
        self.startTime = startTime
        self.maxExecutionTimeSeconds = maxExecutionTimeSeconds
        self.method = method
        self.twinPatch = twinPatch
    }

    /// Longest job id, characters (§3.2: "≤ 64 chars; US-ASCII letters, digits, `-`").
    public static let jobIDLengthMax = 64
    /// Longest `queryCondition`, bytes of UTF-8: IoT Hub's query size limit (§1.8, 8 KB).
    public static let queryConditionBytesMax = 8_192
    /// `maxExecutionTimeInSeconds` when absent (§3.2 leaves it open, Appendix B; 3600 as
    /// recommended) and its accepted range: one second to the 30 days a job is kept (§3.3 step 7).
    public static let maxExecutionTimeSecondsDefault = 3_600
    public static let maxExecutionTimeSecondsRange = 1...2_592_000

    /// Whether `id` may name a job (§3.2).
    public static func isValidJobID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= jobIDLengthMax else { return false }
        return id.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
    }
}

/// `cloudToDeviceMethod` of a `scheduleDeviceMethod` job (§3.2): each device gets this call,
/// with direct methods' own rules (contract §4.4).
public struct JobMethodCall: Sendable, Equatable {
    public var methodName: String
    public var payload: JSONValue
    public var responseTimeoutSeconds: Int
    public var connectTimeoutSeconds: Int

    public init(methodName: String, payload: JSONValue = .null, responseTimeoutSeconds: Int = 30, connectTimeoutSeconds: Int = 0) {
        self.methodName = methodName
        self.payload = payload
        self.responseTimeoutSeconds = responseTimeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// As the SDK's `CloudToDeviceMethod` serialises it.
    public var json: JSONValue {
        .object(JSONObject([
            ("methodName", .string(methodName)), ("payload", payload),
            ("responseTimeoutInSeconds", .integer(Int64(responseTimeoutSeconds))),
            ("connectTimeoutInSeconds", .integer(Int64(connectTimeoutSeconds))),
        ]))
    }
}

/// `updateTwin` of a `scheduleUpdateTwin` job (§3.2): the patch each device's twin gets, as
/// `PATCH /twins/{id}` applies it, under `etag` (`*` when absent, §3.2's recommendation).
public struct JobTwinPatch: Sendable, Equatable {
    public var update: TwinUpdate
    public var etag: String

    public init(update: TwinUpdate, etag: String = "*") {
        self.update = update
        self.etag = etag
    }

    /// As the SDK's `Twin` serialises it.
    public var json: JSONValue {
        guard case .object(var object) = update.json else { return update.json }
        object["etag"] = .string(etag)
        return .object(object)
    }
}
