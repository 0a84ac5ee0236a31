/// An import/export job's `status` (reference §3.5): the create answers `enqueued` (the word of
/// the SDK's enum, §3.3), then `running`, and one of `completed`, `failed`, `cancelled`.
public enum ImportExportJobStatus: String, Sendable, CaseIterable {
    case enqueued
    case running
    case completed
    case failed
    case cancelled

    /// Whether the job can no longer change.
    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// An import/export job as the hub keeps it and answers it (`JobProperties`, reference §3.5).
public struct ImportExportJob: Sendable, Equatable {
    public var jobID: String
    public var request: ImportExportJobRequest
    /// When the job was created; orders listings. Not in the REST body.
    public var createdTime: Timestamp
    public var status: ImportExportJobStatus
    /// 0–100: the share of devices (export) or input bytes (import) done.
    public var progress: Int
    /// When the job started running; `never` while enqueued.
    public var startTime: Timestamp
    /// When it finished; `never` until then.
    public var endTime: Timestamp
    /// Why a `failed` job failed, or what a `completed` import skipped (`importErrors.log`).
    public var failureReason: String?

    public init(jobID: String, request: ImportExportJobRequest, createdTime: Timestamp, status: ImportExportJobStatus = .enqueued,
                progress: Int = 0, startTime: Timestamp = .never, endTime: Timestamp = .never, failureReason: String? = nil) {
        self.jobID = jobID
        self.request = request
        self.createdTime = createdTime
        self.status = status
        self.progress = progress
        self.startTime = startTime
        self.endTime = endTime
        self.failureReason = failureReason
    }

    /// The `JobProperties` body (contract §4.3), container URIs without their SAS.
    public var json: JSONValue {
        var object = JSONObject()
        object["jobId"] = .string(jobID)
        if startTime != .never { object["startTimeUtc"] = .string(startTime.iso8601) }
        if endTime != .never { object["endTimeUtc"] = .string(endTime.iso8601) }
        object["type"] = .string(request.type.rawValue)
        object["status"] = .string(status.rawValue)
        object["progress"] = .integer(Int64(progress))
        if let input = request.inputBlobContainerURI {
            object["inputBlobContainerUri"] = .string(input.withoutSAS)
            object["inputBlobName"] = .string(request.inputBlobName)
        }
        object["outputBlobContainerUri"] = .string(request.outputBlobContainerURI.withoutSAS)
        if request.type == .export { object["outputBlobName"] = .string(request.outputBlobName) }
        object["excludeKeysInExport"] = .bool(request.excludeKeysInExport)
        object["storageAuthenticationType"] = .string("keyBased")
        if let failureReason { object["failureReason"] = .string(failureReason) }
        return .object(object)
    }
}
