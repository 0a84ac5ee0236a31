import NaveModel

/// Every `HubError` constructor with the code and name IoT Hub documents for it, for the
/// tests that must cover each error the hub can send (its fields, its REST body, the HTTP
/// status line it goes out with). A constructor added to the catalog belongs here too.
public enum HubErrorCatalog {
    public static let all: [(error: HubError, code: Int, name: String)] = [
        (.badRequest("x"), 400_000, "GenericBadRequest"),
        (.invalidOperation("x"), 400_003, "InvalidOperation"),
        (.argumentInvalid("x"), 400_004, "ArgumentInvalid"),
        (.invalidJSON(JSONParseError(.trailingData, at: 3)), 400_004, "ArgumentInvalid"),
        (.deviceDefinedMultipleTimes(deviceID: "d"), 400_011, "DeviceDefinedMultipleTimes"),
        (.unauthorizedAccess(), 401_002, "IotHubUnauthorizedAccess"),
        (.unauthorized("x"), 401_003, "IoTHubUnauthorized"),
        (.consumerGroupQuotaExceeded(groupsMax: 20), 403_000, "ConsumerGroupQuotaExceeded"),
        (.jobQuotaExceeded("x"), 403_001, "JobQuotaExceeded"),
        (.quotaExceeded(), 403_002, "IotHubQuotaExceeded"),
        (.deviceMaximumQueueDepthExceeded(deviceID: "d", queueDepthMax: 50), 403_004, "DeviceMaximumQueueDepthExceeded"),
        (.deviceMaximumActiveFileUploadLimitExceeded(deviceID: "d", uploadsMax: 10), 403_006,
         "DeviceMaximumActiveFileUploadLimitExceeded"),
        (.routeNotFound(), 404_000, "GenericNotFound"),
        (.deviceNotFound(deviceID: "d"), 404_001, "DeviceNotFound"),
        (.jobNotFound(jobID: "j"), 404_002, "JobNotFound"),
        (.policyNotFound(name: "p"), 404_000, "SharedAccessPolicyNotFound"),
        (.consumerGroupNotFound(name: "g"), 404_000, "ConsumerGroupNotFound"),
        (.moduleNotFound(deviceID: "d", moduleID: "m"), 404_010, "ModuleNotFound"),
        (.deviceNotOnline(deviceID: "d", connectTimeoutSeconds: 30), 404_103, "DeviceNotOnline"),
        (.methodNotAllowed("PATCH"), 405_000, "GenericMethodNotAllowed"),
        (.policyAlreadyExists(name: "p"), 409_000, "SharedAccessPolicyAlreadyExists"),
        (.consumerGroupAlreadyExists(name: "g"), 409_000, "ConsumerGroupAlreadyExists"),
        (.jobAlreadyExists(jobID: "j"), 409_000, "JobAlreadyExists"),
        (.deviceAlreadyExists(deviceID: "d"), 409_001, "DeviceAlreadyExists"),
        (.moduleAlreadyExistsOnDevice(deviceID: "d", moduleID: "m"), 409_301, "ModuleAlreadyExistsOnDevice"),
        (.preconditionFailed(), 412_001, "PreconditionFailed"),
        (.deviceMessageLockLost(), 412_002, "DeviceMessageLockLost"),
        (.messageTooLarge(sizeBytes: 300_000, sizeBytesMax: 262_144), 413_001, "MessageTooLarge"),
        (.tooManyDevices(count: 101, countMax: 100), 413_002, "TooManyDevices"),
        (.throttled(), 429_001, "ThrottlingException"),
        (.serverError("x"), 500_001, "ServerError"),
        (.serviceUnavailable(), 503_001, "ServiceUnavailable"),
        (.storageFull("x"), 503_001, "ServiceUnavailable"),
        (.gatewayTimeout(deviceID: "d", responseTimeoutSeconds: 30), 504_101, "GatewayTimeout"),
    ]
}
