/// Errors of scheduled jobs (reference §3), beside 404002 JobNotFound in the catalog.
extension HubError {
    /// 409000 with Nave's name: a job with that id exists (reference §3.3 step 1; IoT Hub's
    /// number for it is not documented, Appendix B).
    public static func jobAlreadyExists(jobID: String) -> HubError {
        HubError(status: 409, code: 409_000, name: "JobAlreadyExists", message: "Job '\(jobID)' already exists.")
    }

    /// 403001 JobQuotaExceeded (reference §3.3 step 8, C# `IotHubServiceErrorCode`): the hub
    /// holds as many jobs as it keeps, or runs as many at once as it allows.
    public static func jobQuotaExceeded(_ message: String) -> HubError {
        HubError(status: 403, code: 403_001, name: "JobQuotaExceeded", message: message)
    }
}
