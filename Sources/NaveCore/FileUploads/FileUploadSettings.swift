import NaveLimits

/// File upload as IoT Hub configures it (`fileUpload.*` in Tuning/reference.yaml; IoT Hub's
/// `storageEndpoints.$default` and `messagingEndpoints.fileNotifications`, reference §5.2).
public struct FileUploadSettings: Sendable, Equatable {
    /// The container device uploads go to.
    public var containerName = "nave-uploads"
    /// How long an upload's SAS is valid (IoT Hub's `sasTtlAsIso8601`: 1 min–24 h, default
    /// 1 h). An outstanding upload's slot is freed when it expires.
    public var sasTTLSeconds = 3_600
    /// Whether a successful upload's notification is queued for the back end (IoT Hub's
    /// `enableFileUploadNotifications`).
    public var notificationsEnabled = true
    /// How long a notification waits to be received (IoT Hub's `fileNotifications.ttlAsIso8601`:
    /// 1 min–48 h, default 1 h).
    public var notificationTTLSeconds = 3_600
    /// How long a received notification stays locked (`lockDurationAsIso8601`: 5–300 s, default 60 s).
    public var notificationLockSeconds = 60
    /// Deliveries before a notification is dropped (`maxDeliveryCount`: 1–100, default 10).
    public var notificationDeliveryCountMax = 10
    /// Notifications kept at most; beyond, the oldest unlocked one is dropped.
    public var notificationsMax = 10_000
    /// Quotas of the blob store.
    public var quotas = BlobQuotas()

    /// Outstanding uploads (SAS handed out, no notification yet) per device: IoT Hub's fixed 10
    /// (403006 beyond, reference Appendix A).
    public static let outstandingUploadsPerDeviceMax = 10
    /// Longest blob name a device may ask for, in UTF-8 bytes (the full name adds
    /// `{deviceId}/`, and must stay within `BlobAddress.nameBytesMax`).
    public static let requestedNameBytesMax = 768

    public init() {}

    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        try rules.require(BlobAddress.isValidContainerName(containerName) && !BlobAddress.reservedContainerNames.contains(containerName),
                          "fileUpload.containerName must be an Azure container name (3-63 of a-z 0-9 -) and no hub route")
        try rules.require((60...86_400).contains(sasTTLSeconds), "fileUpload.sasTtlSeconds must be 60...86400")
        try rules.require((60...172_800).contains(notificationTTLSeconds), "fileUpload.notificationTtlSeconds must be 60...172800")
        try rules.require((5...300).contains(notificationLockSeconds), "fileUpload.notificationLockSeconds must be 5...300")
        try rules.require((1...100).contains(notificationDeliveryCountMax), "fileUpload.notificationMaxDeliveryCount must be 1...100")
        try rules.require((1...1_000_000).contains(notificationsMax), "fileUpload.notificationsMax must be 1...1000000")
        try quotas.validate()
    }
}
