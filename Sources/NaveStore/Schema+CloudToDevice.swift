/// Cloud-to-device messaging's tables (migration "v2-c2d"), read by `SQLiteCloudToDeviceStore`.
///
/// - Messages are keyed by their hub-wide sequence number (an `INTEGER PRIMARY KEY`, so the
///   row id itself: no second b-tree); the index on `(deviceID, sequenceNumber)` serves a
///   device's queue in FIFO order.
/// - No foreign key to `devices`: a deleted device's messages are dropped by the queues (they
///   compare `deviceGenerationID`), and the store then stays usable without the registry's
///   tables, as the in-memory store is.
/// - Properties are two property bags in IoT Hub's MQTT encoding (contract §1.7: every key and
///   value percent-encoded), so any text survives, U+0000 included, and the column reads as
///   what the device sees. `iothub-ack` has its own column.
/// - Times are milliseconds since the Unix epoch, as in `v1`.
/// - Feedback records are keyed by their own sequence number and read in that order.
extension Schema {
    static let v2CloudToDevice = """
        CREATE TABLE cloudToDeviceMessages (
            sequenceNumber INTEGER NOT NULL PRIMARY KEY,
            deviceID TEXT NOT NULL,
            deviceGenerationID TEXT NOT NULL,
            enqueuedTime INTEGER NOT NULL,
            expiryTime INTEGER NOT NULL,
            deliveryCount INTEGER NOT NULL,
            ack TEXT NOT NULL,
            systemProperties TEXT NOT NULL,
            applicationProperties TEXT NOT NULL,
            body BLOB NOT NULL
        ) STRICT;

        CREATE INDEX cloudToDeviceMessagesByDevice ON cloudToDeviceMessages (deviceID, sequenceNumber);

        CREATE TABLE cloudToDeviceFeedback (
            sequenceNumber INTEGER NOT NULL PRIMARY KEY,
            originalMessageID TEXT NOT NULL,
            deviceID TEXT NOT NULL,
            deviceGenerationID TEXT NOT NULL,
            statusCode TEXT NOT NULL,
            enqueuedTime INTEGER NOT NULL
        ) STRICT;
        """
}
