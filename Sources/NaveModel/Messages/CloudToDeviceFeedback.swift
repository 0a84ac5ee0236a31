/// Which outcomes of a cloud-to-device message the sender wants feedback for: the
/// `iothub-ack` property (contract §5.3, §5.4). `positive` asks for `Success`, `negative` for
/// `Expired`, `DeliveryCountExceeded` and `Rejected`, `full` for both; `none` (the default)
/// for nothing.
public enum CloudToDeviceAck: String, Sendable, Hashable, CaseIterable {
    case none, positive, negative, full

    /// The property name senders and devices use (an application property on AMQP, a bag key
    /// on MQTT, a header on HTTP).
    public static let propertyName = "iothub-ack"

    /// Whether an outcome with `status` produces a feedback record.
    public func wantsFeedback(for status: FeedbackStatusCode) -> Bool {
        switch (self, status) {
        case (.full, _): true
        case (.positive, .success): true
        case (.negative, .expired), (.negative, .deliveryCountExceeded), (.negative, .rejected): true
        default: false
        }
    }
}

/// The outcome a feedback record reports (contract §5.4).
public enum FeedbackStatusCode: String, Sendable, Hashable, CaseIterable {
    case success = "Success"
    case expired = "Expired"
    case deliveryCountExceeded = "DeliveryCountExceeded"
    case rejected = "Rejected"
    case purged = "Purged"

    /// IoT Hub's `description` text for the outcome.
    public var description: String {
        switch self {
        case .success: "Success"
        case .expired: "Message Expired"
        case .deliveryCountExceeded: "Message Delivery Count Exceeded"
        case .rejected: "Message Rejected"
        case .purged: "Message Purged"
        }
    }
}

/// One feedback record: what became of a cloud-to-device message that asked for it. Kept in
/// the hub's feedback queue until a back end completes the batch it was received in.
public struct FeedbackRecord: Sendable, Hashable {
    /// Orders records hub-wide; the queue's key. Not rendered.
    public var sequenceNumber: Int64
    /// The original message's `$.mid`.
    public var originalMessageID: String
    public var deviceID: String
    public var deviceGenerationID: String
    public var statusCode: FeedbackStatusCode
    /// When the outcome happened.
    public var enqueuedTime: Timestamp

    public init(sequenceNumber: Int64, originalMessageID: String, deviceID: String, deviceGenerationID: String,
                statusCode: FeedbackStatusCode, enqueuedTime: Timestamp) {
        self.sequenceNumber = sequenceNumber
        self.originalMessageID = originalMessageID
        self.deviceID = deviceID
        self.deviceGenerationID = deviceGenerationID
        self.statusCode = statusCode
        self.enqueuedTime = enqueuedTime
    }

    /// The record as IoT Hub's feedback batch carries it. The member names are camelCase as in
    /// IoT Hub's "Message feedback" documentation and the .NET SDK's `FeedbackRecord`
    /// (contract §5.4 shows PascalCase; the documented service sends camelCase).
    public var json: JSONValue {
        .object(JSONObject([
            ("originalMessageId", .string(originalMessageID)),
            ("description", .string(statusCode.description)),
            ("deviceGenerationId", .string(deviceGenerationID)),
            ("deviceId", .string(deviceID)),
            ("enqueuedTimeUtc", .string(enqueuedTime.iso8601)),
            ("statusCode", .string(statusCode.rawValue)),
        ]))
    }

    /// The content type of a feedback batch (contract §5.4).
    public static let batchContentType = "application/vnd.microsoft.iothub.feedback.json"
}
