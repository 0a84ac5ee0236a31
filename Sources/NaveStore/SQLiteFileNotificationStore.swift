import GRDB
import NaveCore
import NaveModel

/// File-upload notifications in the node's SQLite file (migration "v2-file-notifications"), one
/// row each; locks are not stored (`FileNotificationStore`).
public final class SQLiteFileNotificationStore: FileNotificationStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func loadFileNotifications() async throws -> [FileNotification] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM fileNotifications ORDER BY sequenceNumber").map { row in
                FileNotification(sequenceNumber: row["sequenceNumber"], deviceID: row["deviceId"], blobURI: row["blobUri"],
                                 blobName: row["blobName"], lastUpdatedTime: Timestamp(millisecondsSinceEpoch: row["lastUpdatedTime"]),
                                 blobSizeInBytes: row["blobSizeInBytes"],
                                 enqueuedTime: Timestamp(millisecondsSinceEpoch: row["enqueuedTime"]), deliveryCount: row["deliveryCount"])
            }
        }
    }

    public func appendFileNotification(_ notification: FileNotification) async throws {
        try await database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO fileNotifications (sequenceNumber, deviceId, blobUri, blobName, lastUpdatedTime,
                    blobSizeInBytes, enqueuedTime, deliveryCount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [notification.sequenceNumber, notification.deviceID, notification.blobURI, notification.blobName,
                                 notification.lastUpdatedTime.millisecondsSinceEpoch, notification.blobSizeInBytes,
                                 notification.enqueuedTime.millisecondsSinceEpoch, notification.deliveryCount])
        }
    }

    public func removeFileNotification(sequenceNumber: Int64) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM fileNotifications WHERE sequenceNumber = ?", arguments: [sequenceNumber])
        }
    }

    public func updateFileNotificationDeliveryCount(sequenceNumber: Int64, deliveryCount: Int) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "UPDATE fileNotifications SET deliveryCount = ? WHERE sequenceNumber = ?",
                           arguments: [deliveryCount, sequenceNumber])
        }
    }
}
