/// Every error the hub returns, with the numbers and names of IoT Hub's documentation ("IoT
/// Hub API common error codes", learn.microsoft.com/rest/api/iothub/common-error-codes, and
/// "Understand and resolve Azure IoT Hub errors") and the service SDK's `ErrorCode` enum.
/// Where those differ from contract §4.5's table, the documentation wins: PreconditionFailed
/// is 412001 (412002 is DeviceMessageLockLost), MessageTooLarge is 413001 (413002 is
/// TooManyDevices), DeviceMaximumActiveFileUploadLimitExceeded is 403006.
extension HubError {
    // MARK: 400

    /// 400000 GenericBadRequest: a request the hub cannot read at all (bad query string,
    /// missing api-version).
    public static func badRequest(_ message: String) -> HubError {
        HubError(status: 400, code: 400_000, name: "GenericBadRequest", message: message)
    }

    /// 400003 InvalidOperation: well-formed but not allowed in this state.
    public static func invalidOperation(_ message: String) -> HubError {
        HubError(status: 400, code: 400_003, name: "InvalidOperation", message: message)
    }

    /// 400004 ArgumentInvalid: a body that cannot be parsed or validated, a bad method timeout,
    /// an invalid query (contract §4.5).
    public static func argumentInvalid(_ message: String) -> HubError {
        HubError(status: 400, code: 400_004, name: "ArgumentInvalid", message: message)
    }

    /// 400004 ArgumentInvalid for a body that is not JSON; names the reason and byte offset only.
    public static func invalidJSON(_ error: JSONParseError) -> HubError {
        argumentInvalid("The request body is not valid JSON: \(error.description).")
    }

    /// 400011 DeviceDefinedMultipleTimes: one bulk request names the same identity twice.
    public static func deviceDefinedMultipleTimes(deviceID: String) -> HubError {
        HubError(status: 400, code: 400_011, name: "DeviceDefinedMultipleTimes",
                 message: "Device '\(deviceID)' is defined more than once in the request.")
    }

    // MARK: 401

    /// 401002 IotHubUnauthorizedAccess: missing, invalid or expired SAS; unknown `skn`.
    public static func unauthorizedAccess(_ message: String = "Unauthorized") -> HubError {
        HubError(status: 401, code: 401_002, name: "IotHubUnauthorizedAccess", message: message)
    }

    /// 401003 IoTHubUnauthorized: a token that does not apply to the request's resource.
    public static func unauthorized(_ message: String) -> HubError {
        HubError(status: 401, code: 401_003, name: "IoTHubUnauthorized", message: message)
    }

    // MARK: 403

    /// 403002 IotHubQuotaExceeded: the hub's daily message quota is used up.
    public static func quotaExceeded(_ message: String = "Total number of messages on IotHub exceeded the allocated quota.") -> HubError {
        HubError(status: 403, code: 403_002, name: "IotHubQuotaExceeded", message: message)
    }

    /// 403004 DeviceMaximumQueueDepthExceeded: the device's C2D queue is full (contract §8: 50).
    public static func deviceMaximumQueueDepthExceeded(deviceID: String, queueDepthMax: Int) -> HubError {
        HubError(status: 403, code: 403_004, name: "DeviceMaximumQueueDepthExceeded",
                 message: "Device '\(deviceID)' already has \(queueDepthMax) cloud-to-device messages queued.")
    }

    /// 403006 DeviceMaximumActiveFileUploadLimitExceeded (contract §8: 10 concurrent uploads).
    public static func deviceMaximumActiveFileUploadLimitExceeded(deviceID: String, uploadsMax: Int) -> HubError {
        HubError(status: 403, code: 403_006, name: "DeviceMaximumActiveFileUploadLimitExceeded",
                 message: "Device '\(deviceID)' already has \(uploadsMax) file uploads in progress.")
    }

    // MARK: 404

    /// 404000 GenericNotFound: no such route.
    public static func routeNotFound() -> HubError {
        HubError(status: 404, code: 404_000, name: "GenericNotFound", message: "The requested resource does not exist.")
    }

    /// 404001 DeviceNotFound.
    public static func deviceNotFound(deviceID: String) -> HubError {
        HubError(status: 404, code: 404_001, name: "DeviceNotFound", message: "Device '\(deviceID)' is not registered.")
    }

    /// 404002 JobNotFound.
    public static func jobNotFound(jobID: String) -> HubError {
        HubError(status: 404, code: 404_002, name: "JobNotFound", message: "Job '\(jobID)' does not exist.")
    }

    /// 404010 ModuleNotFound.
    public static func moduleNotFound(deviceID: String, moduleID: String) -> HubError {
        HubError(status: 404, code: 404_010, name: "ModuleNotFound",
                 message: "Module '\(moduleID)' is not registered on device '\(deviceID)'.")
    }

    /// 404103 DeviceNotOnline: a direct method found the device not connected and subscribed
    /// within `connectTimeoutInSeconds` (contract §4.4). `info.timeout` is the wait as a .NET
    /// TimeSpan, as IoT Hub writes it.
    public static func deviceNotOnline(deviceID: String, connectTimeoutSeconds: Int) -> HubError {
        HubError(status: 404, code: 404_103, name: "DeviceNotOnline",
                 message: "Timed out waiting for device '\(deviceID)' to connect.",
                 info: ["timeout": .string(timeSpan(seconds: connectTimeoutSeconds))])
    }

    // MARK: 405, 409, 412, 413, 429

    /// 404000 with Nave's name: no shared access policy by that name (IoT Hub manages policies
    /// through Azure Resource Manager, so it has no registry code for this).
    public static func policyNotFound(name: String) -> HubError {
        HubError(status: 404, code: 404_000, name: "SharedAccessPolicyNotFound", message: "Shared access policy '\(name)' does not exist.")
    }

    /// 409000 with Nave's name: a policy by that name exists.
    public static func policyAlreadyExists(name: String) -> HubError {
        HubError(status: 409, code: 409_000, name: "SharedAccessPolicyAlreadyExists", message: "Shared access policy '\(name)' already exists.")
    }

    /// 405000 GenericMethodNotAllowed: a known path with a method it does not serve.
    public static func methodNotAllowed(_ method: String) -> HubError {
        HubError(status: 405, code: 405_000, name: "GenericMethodNotAllowed",
                 message: "The method '\(method)' is not allowed on this resource.")
    }

    /// 409001 DeviceAlreadyExists: a create (PUT without If-Match) of an existing device.
    public static func deviceAlreadyExists(deviceID: String) -> HubError {
        HubError(status: 409, code: 409_001, name: "DeviceAlreadyExists", message: "Device '\(deviceID)' already exists.")
    }

    /// 409301 ModuleAlreadyExistsOnDevice.
    public static func moduleAlreadyExistsOnDevice(deviceID: String, moduleID: String) -> HubError {
        HubError(status: 409, code: 409_301, name: "ModuleAlreadyExistsOnDevice",
                 message: "Module '\(moduleID)' already exists on device '\(deviceID)'.")
    }

    /// 412001 PreconditionFailed: `If-Match` names another etag (RFC 9110 §13.1.1).
    public static func preconditionFailed(_ message: String = "The etag in the request does not match the etag of the existing resource.") -> HubError {
        HubError(status: 412, code: 412_001, name: "PreconditionFailed", message: message)
    }

    /// 413001 MessageTooLarge: a body or message over its limit.
    public static func messageTooLarge(sizeBytes: Int, sizeBytesMax: Int) -> HubError {
        HubError(status: 413, code: 413_001, name: "MessageTooLarge",
                 message: "The message is \(sizeBytes) bytes; the limit is \(sizeBytesMax) bytes.")
    }

    /// 413002 TooManyDevices: a bulk registry call over its device count (contract §8: 100).
    public static func tooManyDevices(count: Int, countMax: Int) -> HubError {
        HubError(status: 413, code: 413_002, name: "TooManyDevices",
                 message: "The request names \(count) devices; at most \(countMax) are allowed per call.")
    }

    /// 429001 ThrottlingException: over a throttle (contract §8).
    public static func throttled(_ message: String = "The request was throttled; retry later.") -> HubError {
        HubError(status: 429, code: 429_001, name: "ThrottlingException", message: message)
    }

    // MARK: 500, 503, 504

    /// 500001 ServerError: a fault inside the hub (storage failed, invariant broken).
    public static func serverError(_ message: String) -> HubError {
        HubError(status: 500, code: 500_001, name: "ServerError", message: message)
    }

    /// 503001 ServiceUnavailable: shutting down or not ready.
    public static func serviceUnavailable(_ message: String = "The hub is not available; retry later.") -> HubError {
        HubError(status: 503, code: 503_001, name: "ServiceUnavailable", message: message)
    }

    /// 503001 ServiceUnavailable because the hub's storage is full (issue #11): `what` was not
    /// stored, and the same request succeeds once there is room, without a restart. The SDKs
    /// retry 503 as transient. `what` names the kind of data, never a path or a payload.
    public static func storageFull(_ what: String) -> HubError {
        HubError(status: 503, code: 503_001, name: "ServiceUnavailable",
                 message: "The hub's storage is full: \(what) was not stored. Retry later.")
    }

    /// 504101 GatewayTimeout: the device did not answer a direct method within
    /// `responseTimeoutInSeconds` (contract §4.4).
    public static func gatewayTimeout(deviceID: String, responseTimeoutSeconds: Int) -> HubError {
        HubError(status: 504, code: 504_101, name: "GatewayTimeout",
                 message: "Timed out waiting for the response from device '\(deviceID)'.",
                 info: ["timeout": .string(timeSpan(seconds: responseTimeoutSeconds))])
    }

    /// `hh:mm:ss`, .NET's TimeSpan text for durations under a day.
    static func timeSpan(seconds: Int) -> String {
        let clamped = max(0, min(seconds, 86_399))
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(twoDigits(clamped / 3600)):\(twoDigits(clamped / 60 % 60)):\(twoDigits(clamped % 60))"
    }
}
