import NaveModel

/// A file-upload notification for the back end (reference §5.2): what IoT Hub puts in the
/// message body on `/messages/serviceBound/filenotifications`, plus the queue's bookkeeping.
public struct FileNotification: Sendable, Hashable {
    /// Orders the queue and keys the store.
    public var sequenceNumber: Int64
    public var deviceID: String
    public var blobURI: String
    public var blobName: String
    public var lastUpdatedTime: Timestamp
    public var blobSizeInBytes: Int64
    public var enqueuedTime: Timestamp
    /// Deliveries so far (receives whose lock was abandoned or expired).
    public var deliveryCount: Int

    public init(sequenceNumber: Int64, deviceID: String, blobURI: String, blobName: String, lastUpdatedTime: Timestamp,
                blobSizeInBytes: Int64, enqueuedTime: Timestamp, deliveryCount: Int = 0) {
        self.sequenceNumber = sequenceNumber
        self.deviceID = deviceID
        self.blobURI = blobURI
        self.blobName = blobName
        self.lastUpdatedTime = lastUpdatedTime
        self.blobSizeInBytes = blobSizeInBytes
        self.enqueuedTime = enqueuedTime
        self.deliveryCount = deliveryCount
    }

    /// The content type IoT Hub gives the message (reference §5.2, C#: CommonConstants).
    public static let contentType = "application/vnd.microsoft.iothub.filenotification.json"

    /// The body, with IoT Hub's names.
    public var json: JSONValue {
        .object(JSONObject([
            ("deviceId", .string(deviceID)), ("blobUri", .string(blobURI)), ("blobName", .string(blobName)),
            ("lastUpdatedTime", .string(lastUpdatedTime.iso8601)), ("blobSizeInBytes", .integer(blobSizeInBytes)),
            ("enqueuedTimeUtc", .string(enqueuedTime.iso8601)),
        ]))
    }
}

/// Where file notifications are kept across restarts (`SQLiteFileNotificationStore`). Locks are
/// not stored: after a restart every notification is available again, its count kept.
public protocol FileNotificationStore: Sendable {
    func loadFileNotifications() async throws -> [FileNotification]
    func appendFileNotification(_ notification: FileNotification) async throws
    func removeFileNotification(sequenceNumber: Int64) async throws
    func updateFileNotificationDeliveryCount(sequenceNumber: Int64, deliveryCount: Int) async throws
}

/// Keeps notifications in memory only (tests, embedders without a data directory).
public final class InMemoryFileNotificationStore: FileNotificationStore {
    private let rows = Mutex<[Int64: FileNotification]>([:])

    public init() {}

    public func loadFileNotifications() async throws -> [FileNotification] {
        rows.withLock { $0.values.sorted { $0.sequenceNumber < $1.sequenceNumber } }
    }
    public func appendFileNotification(_ notification: FileNotification) async throws {
        rows.withLock { $0[notification.sequenceNumber] = notification }
    }
    public func removeFileNotification(sequenceNumber: Int64) async throws {
        _ = rows.withLock { $0.removeValue(forKey: sequenceNumber) }
    }
    public func updateFileNotificationDeliveryCount(sequenceNumber: Int64, deliveryCount: Int) async throws {
        rows.withLock { $0[sequenceNumber]?.deliveryCount = deliveryCount }
    }
}

import Synchronization
