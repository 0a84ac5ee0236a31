/// Reading `PUT /jobs/v2/{id}` bodies (reference §3.2). Every refusal is 400004 ArgumentInvalid
/// naming the member, before anything is stored.
extension JobRequest {
    /// Reads `json` for the job at path `pathJobID`; `now` stands in for an absent `startTime`.
    /// The path id is authoritative: a body `jobId` that differs is refused (§3.2, unconfirmed),
    /// one that is absent takes the path's.
    public init(json: JSONValue, pathJobID: String, now: Timestamp) throws(HubError) {
        guard Self.isValidJobID(pathJobID) else {
            throw .argumentInvalid("The job id must be 1 to \(Self.jobIDLengthMax) US-ASCII letters, digits or '-'.")
        }
        let fields = try JSONFieldReader(json)
        if let bodyID = try fields.string("jobId"), bodyID != pathJobID {
            throw .argumentInvalid("jobId in the body ('\(Self.shown(bodyID))') differs from the job id in the path.")
        }
        guard let type = try fields.choice("type", JobType.self) else { throw fields.missing("type") }
        guard let condition = try fields.string("queryCondition"), !condition.isEmpty else { throw fields.missing("queryCondition") }
        guard condition.utf8.count <= Self.queryConditionBytesMax else {
            throw .argumentInvalid("queryCondition has \(condition.utf8.count) bytes; at most \(Self.queryConditionBytesMax) are allowed.")
        }
        var startTime = now
        if let text = try fields.string("startTime") {
            guard let parsed = Timestamp(iso8601: text) else { throw .argumentInvalid("startTime must be an ISO 8601 UTC time.") }
            startTime = parsed == .never ? now : parsed
        }
        let maxSeconds = try fields.integer("maxExecutionTimeInSeconds") ?? Int64(Self.maxExecutionTimeSecondsDefault)
        guard let maxExecution = Int(exactly: maxSeconds), Self.maxExecutionTimeSecondsRange.contains(maxExecution) else {
            throw .argumentInvalid("maxExecutionTimeInSeconds must be \(Self.maxExecutionTimeSecondsRange.lowerBound)..."
                                   + "\(Self.maxExecutionTimeSecondsRange.upperBound).")
        }
        self.init(jobID: pathJobID, type: type, queryCondition: condition, startTime: startTime,
                  maxExecutionTimeSeconds: maxExecution)
        switch type {
        case .scheduleDeviceMethod:
            guard let call = try fields.reader("cloudToDeviceMethod") else { throw fields.missing("cloudToDeviceMethod") }
            method = try JobMethodCall(call)
        case .scheduleUpdateTwin:
            guard let twin = fields.value("updateTwin") else { throw fields.missing("updateTwin") }
            twinPatch = try JobTwinPatch(json: twin)
        }
    }

    /// The request as the SDK sends it (what the store keeps, and what `init(json:…)` reads back).
    public var json: JSONValue {
        var object = JSONObject([
            ("jobId", .string(jobID)), ("type", .string(type.rawValue)), ("queryCondition", .string(queryCondition)),
            ("startTime", .string(startTime.iso8601)), ("maxExecutionTimeInSeconds", .integer(Int64(maxExecutionTimeSeconds))),
        ])
        if let method { object["cloudToDeviceMethod"] = method.json }
        if let twinPatch { object["updateTwin"] = twinPatch.json }
        return .object(object)
    }

    /// An id as an error message shows it: at most 64 characters.
    static func shown(_ text: String) -> String { text.count > 64 ? String(text.prefix(64)) + "…" : text }
}

extension JobMethodCall {
    /// `cloudToDeviceMethod` (§3.2): `methodName` required; timeouts default as direct methods'
    /// do (contract §4.4: response 30 s in 5...300, connect 0 s in 0...300). The name and payload
    /// are checked again per device by the direct-method service, with its limits.
    init(_ fields: JSONFieldReader) throws(HubError) {
        guard let name = try fields.string("methodName"), !name.isEmpty else { throw fields.missing("methodName") }
        let response = try fields.integer("responseTimeoutInSeconds") ?? 30
        let connect = try fields.integer("connectTimeoutInSeconds") ?? 0
        guard (5...300).contains(response) else {
            throw .argumentInvalid("\(fields.path)responseTimeoutInSeconds must be 5...300.")
        }
        guard (0...300).contains(connect) else {
            throw .argumentInvalid("\(fields.path)connectTimeoutInSeconds must be 0...300.")
        }
        self.init(methodName: name, payload: fields.value("payload") ?? .null,
                  responseTimeoutSeconds: Int(response), connectTimeoutSeconds: Int(connect))
    }
}

extension JobTwinPatch {
    /// Characters IoT Hub's jobs page forbids in property names of a twin update (§3.2), on
    /// top of the twin rules (`TwinRules.isValidKey`: no `.`, `$`, spaces or controls).
    static let forbiddenNameBytes = Set("$()<>@,;:\\\"/[]?={} \t".utf8)

    /// `updateTwin` (§3.2): a `Twin` subset with tags and/or desired properties, and an optional
    /// etag. A patch that changes nothing, or sets reported properties, is refused; names are
    /// checked against the twin rules and the jobs page's characters (values are left to the
    /// twin rules: refusing `:` in values would refuse times and URLs, which twins hold).
    init(json: JSONValue) throws(HubError) {
        let update = try TwinUpdate(json: json)
        guard update.tags != nil || update.desired != nil else {
            throw .argumentInvalid("updateTwin must set tags or properties.desired.")
        }
        if let tags = update.tags { try Self.validate(tags, section: .tags) }
        if let desired = update.desired { try Self.validate(desired, section: .desired) }
        let etag = try JSONFieldReader(json, path: "updateTwin.").string("etag")
        self.init(update: update, etag: etag.flatMap { $0.isEmpty ? nil : $0 } ?? "*")
    }

    /// The twin rules, then every member name at every depth against `forbiddenNameBytes`,
    /// walked with an explicit stack (the twin rules bound the depth, but no recursion over a
    /// client's document in any case).
    private static func validate(_ patch: JSONObject, section: TwinRules.Section) throws(HubError) {
        try TwinRules.validatePatch(patch, section: section)
        var stack: [JSONValue] = [.object(patch)]
        while let value = stack.popLast() {
            switch value {
            case .object(let members):
                for (name, member) in members {
                    if name.utf8.contains(where: forbiddenNameBytes.contains) {
                        throw .argumentInvalid("updateTwin.\(section.rawValue) has a member named '\(JobRequest.shown(name))'; "
                                               + "job property names may not hold $()<>@,;:\\\"/[]?={}, spaces or tabs.")
                    }
                    stack.append(member)
                }
            case .array(let elements):
                stack.append(contentsOf: elements)
            default:
                break
            }
        }
    }
}
