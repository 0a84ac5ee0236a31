/// Migration "v2-file-notifications": the back end's file-upload notifications
/// (`SQLiteFileNotificationStore`). Times are milliseconds since the Unix epoch.
extension Schema {
    static let v2FileNotifications = """
        CREATE TABLE fileNotifications (
            sequenceNumber INTEGER NOT NULL PRIMARY KEY,
            deviceId TEXT NOT NULL,
            blobUri TEXT NOT NULL,
            blobName TEXT NOT NULL,
            lastUpdatedTime INTEGER NOT NULL,
            blobSizeInBytes INTEGER NOT NULL,
            enqueuedTime INTEGER NOT NULL,
            deliveryCount INTEGER NOT NULL
        ) STRICT;
        """
}
