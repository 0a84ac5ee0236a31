import NaveModel

/// The durable port of cloud-to-device messaging: each device's queue of messages and the
/// hub's feedback queue. `CloudToDeviceQueues` keeps both in memory and writes every change
/// through this port, in order; a message is accepted (and a feedback record offered) only
/// once it is stored. Locks are not stored: after a restart every message is available again.
///
/// It does not assume it is the only writer: a message is created once (an `enqueue` of a
/// stored sequence number is refused, not overwritten), removals and count updates of what
/// another writer already removed are no-ops, and a store shared by several nodes tells each
/// of them what the others applied (`observeOtherWriters`), so a message sent through one node
/// reaches the device connected to another. Implementations: `InMemoryCloudToDeviceStore` (its
/// `otherWriter()` views share one store as nodes share a database),
/// `NaveStore.SQLiteCloudToDeviceStore` (one process); both pass `CloudToDeviceStoreConformance`.
public protocol CloudToDeviceStore: Sendable {
    /// Everything stored: messages and feedback records, each in sequence-number order.
    func loadCloudToDevice() async throws -> CloudToDeviceSnapshot

    /// Applies `changes` atomically, in order: all of them are stored, or none (then it throws
    /// `CloudToDeviceStoreError`, or `CancellationError` when cancelled before the write).
    /// Removing or updating what is not stored is not an error (a purge may have raced it).
    func apply(_ changes: [CloudToDeviceChange]) async throws

    /// Calls `observer` with each batch another writer of a shared store applied (never with
    /// this writer's own), each message change naming its device. A store that is never shared
    /// never calls it.
    func observeOtherWriters(_ observer: @escaping @Sendable ([CloudToDeviceStoreChange]) -> Void)
}

/// A change another writer applied, as an observer hears of it: `CloudToDeviceChange` with the
/// device each message change concerns (the store knows it; the change alone names a number).
public enum CloudToDeviceStoreChange: Sendable, Equatable {
    case enqueued(QueuedCloudToDeviceMessage)
    case deliveryCountSet(deviceID: String, sequenceNumber: Int64, deliveryCount: Int)
    case removed(deviceID: String, sequenceNumber: Int64)
    case feedbackAppended(FeedbackRecord)
    case feedbackRemoved(sequenceNumber: Int64)
}

/// Why a store refused a batch or could not load; a failed `apply` stored nothing.
public enum CloudToDeviceStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An `enqueue` or `appendFeedback` reuses a sequence number that is stored.
    case duplicateSequenceNumber(Int64)
    /// The medium failed or cannot keep a value; the store's own words, with no payloads.
    case storage(String)
    /// The medium has no room (SQLite's SQLITE_FULL, ENOSPC): nothing of the batch was stored,
    /// and a later batch is tried again.
    case full(String)

    public var description: String {
        switch self {
        case .full(let reason): "cloud-to-device store is full: \(reason)"
        case .duplicateSequenceNumber(let number): "sequence number \(number) is already stored"
        case .storage(let reason): "cloud-to-device store failed: \(reason)"
        }
    }
}

/// One change to the stored queues.
public enum CloudToDeviceChange: Sendable, Equatable {
    case enqueue(QueuedCloudToDeviceMessage)
    /// A delivery attempt counted (IoT Hub keeps the count across restarts).
    case setDeliveryCount(sequenceNumber: Int64, deliveryCount: Int)
    /// Completed, rejected, expired, dead-lettered or purged.
    case remove(sequenceNumber: Int64)
    case appendFeedback(FeedbackRecord)
    /// A feedback record completed by a back end, or dropped from a full queue.
    case removeFeedback(sequenceNumber: Int64)
}

/// Everything stored.
public struct CloudToDeviceSnapshot: Sendable, Equatable {
    public var messages: [QueuedCloudToDeviceMessage]
    public var feedback: [FeedbackRecord]

    public init(messages: [QueuedCloudToDeviceMessage] = [], feedback: [FeedbackRecord] = []) {
        self.messages = messages
        self.feedback = feedback
    }
}

/// A cloud-to-device message in a device's queue, as stored.
public struct QueuedCloudToDeviceMessage: Sendable, Hashable {
    /// Orders messages hub-wide (FIFO per device); the store's key.
    public var sequenceNumber: Int64
    public var deviceID: String
    /// The device's generation when the message was sent: a device deleted and created again
    /// under the same id does not receive its predecessor's messages.
    public var deviceGenerationID: String
    public var enqueuedTime: Timestamp
    public var expiryTime: Timestamp
    /// Delivery attempts so far (MQTT publishes and HTTP receives).
    public var deliveryCount: Int
    /// The feedback asked for (`iothub-ack`); kept out of `message`, added back on delivery.
    public var ack: CloudToDeviceAck
    /// Body and properties: `$.mid` and `$.to` always, the other system properties as sent.
    public var message: DeviceMessage

    public init(sequenceNumber: Int64, deviceID: String, deviceGenerationID: String, enqueuedTime: Timestamp,
                expiryTime: Timestamp, deliveryCount: Int = 0, ack: CloudToDeviceAck, message: DeviceMessage) {
        self.sequenceNumber = sequenceNumber
        self.deviceID = deviceID
        self.deviceGenerationID = deviceGenerationID
        self.enqueuedTime = enqueuedTime
        self.expiryTime = expiryTime
        self.deliveryCount = deliveryCount
        self.ack = ack
        self.message = message
    }

    /// `$.mid`.
    public var messageID: String { message.systemProperty("$.mid") ?? "" }

    /// The message as the device gets it: `iothub-ack` after the system properties, where
    /// the MQTT bag carries it (contract §1.8: `…&%24.ce=utf-8&iothub-ack=full&color=…`).
    public var deliverable: DeviceMessage {
        guard ack != .none else { return message }
        var delivered = message
        delivered.systemProperties.append(MessageProperty(CloudToDeviceAck.propertyName, ack.rawValue))
        return delivered
    }
}
