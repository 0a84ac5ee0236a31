/// One key/value pair of an event's system or application properties. Kept as an ordered list,
/// not a dictionary: the order a device sent is the order a reader sees (contract §1.7, §6.6).
public struct EventProperty: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// The system property keys the hub stores, named as the Event Hub-compatible endpoint sends
/// them (contract §6.6); the MQTT bag keys they come from are in §1.7. The record codec writes
/// these as one-byte codes (`EventRecordCodec.systemKeys`), any other key as text.
public enum EventSystemProperty {
    /// `$.mid` → AMQP properties.message-id.
    public static let messageID = "message-id"
    /// `$.cid` → AMQP properties.correlation-id.
    public static let correlationID = "correlation-id"
    /// `$.uid` → AMQP properties.user-id (sent as binary).
    public static let userID = "user-id"
    /// `$.ct` → AMQP properties.content-type.
    public static let contentType = "content-type"
    /// `$.ce` → AMQP properties.content-encoding.
    public static let contentEncoding = "content-encoding"
    /// `$.exp`, the ISO 8601 text the device sent → AMQP properties.absolute-expiry-time.
    public static let expiry = "absolute-expiry-time"
    /// `$.on`, a module's output name: routing input, not sent on the events endpoint.
    public static let outputName = "$.on"
    /// How the device authenticated (JSON text, contract §6.6).
    public static let connectionAuthMethod = "iothub-connection-auth-method"
    /// The sending device's generation id.
    public static let connectionAuthGenerationID = "iothub-connection-auth-generation-id"
    /// "Telemetry", "twinChangeEvents", "deviceLifecycleEvents".
    public static let messageSource = "iothub-message-source"
    /// A Plug and Play device's model id.
    public static let dataSchema = "dt-dataschema"
    /// A Plug and Play component name.
    public static let subject = "dt-subject"
    /// `$.ifid`, the interface id of a security message.
    public static let interfaceID = "iothub-interface-id"
}

/// An event as the hub hands it to the log: who sent it, its properties and body. The log adds
/// the partition position and the enqueued time when it stores it.
public struct EventData: Sendable, Equatable {
    public var deviceID: String
    public var moduleID: String?
    /// Ordered; keys are usually `EventSystemProperty` names.
    public var systemProperties: [EventProperty]
    /// The device's custom properties, ordered as sent (string → string, contract §6.6).
    public var applicationProperties: [EventProperty]
    public var body: [UInt8]

    public init(deviceID: String, moduleID: String? = nil, systemProperties: [EventProperty] = [],
                applicationProperties: [EventProperty] = [], body: [UInt8]) {
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.systemProperties = systemProperties
        self.applicationProperties = applicationProperties
        self.body = body
    }
}

/// An event as stored in a partition: everything an Event Hub reader gets for it (contract §6.6):
/// its sequence number, offset and enqueued time, the sender, its properties and body.
public struct EventRecord: Sendable, Equatable {
    /// Per partition, dense from 0 (`x-opt-sequence-number`).
    public var sequenceNumber: Int64
    /// Byte position of the record in the partition's stream (`x-opt-offset`, sent as text).
    public var offset: Int64
    /// When the log accepted the event (`x-opt-enqueued-time`, `iothub-enqueuedtime`); never
    /// decreases within a partition.
    public var enqueuedTime: Timestamp
    public var deviceID: String
    public var moduleID: String?
    public var systemProperties: [EventProperty]
    public var applicationProperties: [EventProperty]
    public var body: [UInt8]

    /// Inlinable so that a caller building `data` only for this (the event log's decoder, per
    /// record read) hands its fields over instead of retaining each and releasing `data`.
    @inlinable
    public init(sequenceNumber: Int64, offset: Int64, enqueuedTime: Timestamp, data: EventData) {
        self.sequenceNumber = sequenceNumber
        self.offset = offset
        self.enqueuedTime = enqueuedTime
        deviceID = data.deviceID
        moduleID = data.moduleID
        systemProperties = data.systemProperties
        applicationProperties = data.applicationProperties
        body = data.body
    }

    /// The sender, properties and body without the position.
    public var data: EventData {
        EventData(deviceID: deviceID, moduleID: moduleID, systemProperties: systemProperties,
                  applicationProperties: applicationProperties, body: body)
    }
}
