import NaveEncoding
import NaveModel
import Synchronization

/// What `POST /devices/{id}/files` answers (contract §2.1, reference §5.2).
public struct FileUploadGrant: Sendable, Equatable {
    public var correlationID: String
    public var hostName: String
    public var containerName: String
    /// `{deviceId}/{requested name}`.
    public var blobName: String
    /// `?sv=…&sr=b&sig=…&se=…&sp=rw`, for that one blob.
    public var sasToken: String

    public var json: JSONValue {
        .object(JSONObject([
            ("correlationId", .string(correlationID)), ("hostName", .string(hostName)),
            ("containerName", .string(containerName)), ("blobName", .string(blobName)), ("sasToken", .string(sasToken)),
        ]))
    }
}

/// The device side of file upload (contract §2.1–§2.2, reference §5.1–§5.2): a device asks for
/// a SAS for one blob under `{deviceId}/` in the upload container, uploads with Azure Blob
/// REST, then reports the outcome. At most 10 uploads per device are outstanding (403006
/// beyond); a slot is freed by the notification or when its SAS expires. A successful
/// notification queues a file notification for the back end, with the blob's size and time.
public final class FileUploads: Sendable {
    public let blobs: BlobService
    public let settings: FileUploadSettings
    /// The back end's queue; nil when notifications are off.
    public let notifications: FileNotificationQueue?
    private let hostName: String
    private let clock: any HubClock
    let random: any HubRandom
    private struct Outstanding {
        var blobName: String
        var expiry: Timestamp
    }
    /// Device → correlation id → upload.
    private let outstanding = Mutex<[String: [String: Outstanding]]>([:])

    public init(blobs: BlobService, settings: FileUploadSettings, notifications: FileNotificationQueue?,
                hostName: String, clock: any HubClock, random: any HubRandom) {
        self.blobs = blobs
        self.settings = settings
        self.notifications = notifications
        self.hostName = hostName
        self.clock = clock
        self.random = random
    }

    /// Starts an upload of `requestedName` for `deviceID`.
    ///
    /// - Throws: 400 for a name that is not a blob name; 403006 with 10 uploads outstanding;
    ///   403002 when the device already holds its byte quota.
    public func begin(deviceID: String, requestedName: String) throws(HubError) -> FileUploadGrant {
        guard requestedName.utf8.count <= FileUploadSettings.requestedNameBytesMax,
              let address = try? BlobAddress(container: settings.containerName, name: "\(deviceID)/\(requestedName)") else {
            throw .argumentInvalid("The blob name is not valid.")
        }
        guard blobs.deviceBytes(deviceID) < settings.quotas.deviceBytesMax else {
            throw .quotaExceeded("Device '\(deviceID)' holds its quota of \(settings.quotas.deviceBytesMax) bytes of uploads.")
        }
        let now = clock.now()
        let expiry = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64(settings.sasTTLSeconds) * 1_000)
        let correlationID = Base64.encode(random.bytes(24))
        try outstanding.withLock { (outstanding: inout [String: [String: Outstanding]]) throws(HubError) in
            var uploads = outstanding[deviceID, default: [:]].filter { $0.value.expiry > now }
            guard uploads.count < FileUploadSettings.outstandingUploadsPerDeviceMax else {
                throw .deviceMaximumActiveFileUploadLimitExceeded(deviceID: deviceID, uploadsMax: FileUploadSettings.outstandingUploadsPerDeviceMax)
            }
            uploads[correlationID] = Outstanding(blobName: address.name, expiry: expiry)
            outstanding[deviceID] = uploads
        }
        let token = blobs.signer.token(for: .blob(address), permissions: [.read, .write], expiry: expiry)
        return FileUploadGrant(correlationID: correlationID, hostName: hostName, containerName: settings.containerName,
                               blobName: address.name, sasToken: "?" + token)
    }

    /// The device's report (`POST /devices/{id}/files/notifications`): frees the slot and, for
    /// a success with notifications on, queues a notification for the blob as it now stands.
    ///
    /// - Throws: 400 for a correlation id that is not outstanding for this device.
    public func notify(deviceID: String, correlationID: String, isSuccess: Bool) async throws(HubError) {
        let upload = outstanding.withLock { outstanding -> Outstanding? in
            let upload = outstanding[deviceID]?.removeValue(forKey: correlationID)
            if outstanding[deviceID]?.isEmpty == true { outstanding[deviceID] = nil }
            return upload
        }
        guard let upload else { throw .argumentInvalid("The correlation id is not an upload in progress for this device.") }
        guard isSuccess, let notifications, let address = try? BlobAddress(container: settings.containerName, name: upload.blobName),
              let properties = try? blobs.store.properties(of: address) else { return }
        try await notifications.enqueue(deviceID: deviceID, blobURI: "https://\(hostName)/\(address.container)/\(address.name)",
                                        blobName: address.name, lastUpdatedTime: properties.lastModified,
                                        blobSizeInBytes: properties.byteCount)
    }

    /// Uploads outstanding for a device (expired ones not counted).
    public func outstandingCount(deviceID: String) -> Int {
        let now = clock.now()
        return outstanding.withLock { $0[deviceID]?.values.filter { $0.expiry > now }.count ?? 0 }
    }
}
