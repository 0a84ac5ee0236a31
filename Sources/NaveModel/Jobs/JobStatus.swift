/// What a scheduled job does to each device it targets (reference §3.2 `type`).
public enum JobType: String, Sendable, CaseIterable {
    /// Applies `updateTwin` to each device's twin, as `PATCH /twins/{id}` does.
    case scheduleUpdateTwin
    /// Invokes `cloudToDeviceMethod` on each device, as `POST /twins/{id}/methods` does.
    case scheduleDeviceMethod
}

/// A job's `status` (reference §3.3). The words are the SDK enum's (`JobStatus` in azure-iot-hub
/// and the C# SDK), which spells the cancelled state with two l's; `failed` is kept for a job
/// that could not run at all (its targets could not be found, or its store refused it), not for
/// one whose devices failed: that one ends `completed` with `failedCount > 0` (§3.3 step 5).
public enum JobStatus: String, Sendable, CaseIterable {
    /// Its `startTime` is in the future.
    case scheduled
    /// Due, not yet started (its targets not yet evaluated).
    case queued
    case running
    case completed
    case failed
    case cancelled

    /// Whether the job can no longer change.
    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// One device's status within a job (`devices.jobs`, reference §3.4). The C# SDK's
/// `DeviceJobStatus` spells the cancelled state with one l: `canceled`.
public enum DeviceJobStatus: String, Sendable, CaseIterable {
    case pending
    case scheduled
    case running
    case completed
    case failed
    case canceled

    /// Whether the device's part of the job is over (its outcome is final).
    public var isFinished: Bool { self == .completed || self == .failed || self == .canceled }
}
