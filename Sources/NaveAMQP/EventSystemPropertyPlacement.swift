import NaveModel

/// Where one stored system property (`EventSystemProperty`) goes in the event's AMQP message:
/// contract §1.7's table, and §6.6's list of annotations.
enum EventSystemPropertyPlacement: Equatable {
    /// A field of the properties section (AMQP 1.0 §3.2.4): the device's `$.mid`, `$.cid`,
    /// `$.uid`, `$.ct`, `$.ce`, `$.exp`.
    case propertiesField(EventMessageProperties.Field)
    /// A message annotation (string) under the stored key. `known` numbers IoT Hub's own
    /// annotation keys (so that a repeat is sent once); nil for any other key.
    case messageAnnotation(known: Int?)
    /// Not sent: the module output name (`$.on`, routing input only), and a stored key that
    /// names an annotation the encoder writes from the record itself (which stays the truth).
    case notSent

    init(key: String) {
        switch key {
        case EventSystemProperty.messageID: self = .propertiesField(.messageID)
        case EventSystemProperty.userID: self = .propertiesField(.userID)
        case EventSystemProperty.correlationID: self = .propertiesField(.correlationID)
        case EventSystemProperty.contentType: self = .propertiesField(.contentType)
        case EventSystemProperty.contentEncoding: self = .propertiesField(.contentEncoding)
        case EventSystemProperty.expiry: self = .propertiesField(.absoluteExpiryTime)
        case EventSystemProperty.outputName: self = .notSent
        case EventSystemProperty.connectionAuthMethod: self = .messageAnnotation(known: 0)
        case EventSystemProperty.connectionAuthGenerationID: self = .messageAnnotation(known: 1)
        case EventSystemProperty.messageSource: self = .messageAnnotation(known: 2)
        case EventSystemProperty.dataSchema: self = .messageAnnotation(known: 3)
        case EventSystemProperty.subject: self = .messageAnnotation(known: 4)
        case EventSystemProperty.interfaceID: self = .messageAnnotation(known: 5)
        case EventAnnotation.sequenceNumber, EventAnnotation.offset, EventAnnotation.enqueuedTime,
             EventAnnotation.deviceID, EventAnnotation.moduleID, EventAnnotation.iotHubEnqueuedTime:
            self = .notSent
        // Any other key (the MQTT side keeps a `$.` key it does not know under its own name,
        // `EventLogTelemetrySink`) goes out as a string annotation: nothing the device sent is
        // lost, and a reader sees it in `system_properties` next to IoT Hub's own.
        default: self = .messageAnnotation(known: nil)
        }
    }

    /// The known annotations already sent for one message: a bit set, no allocation.
    struct KnownAnnotations {
        private var bits: UInt8 = 0

        /// True when `known` is to be sent: an unknown key always, a known one the first time.
        mutating func insert(_ known: Int?) -> Bool {
            guard let known else { return true }
            let bit: UInt8 = 1 << known
            defer { bits |= bit }
            return bits & bit == 0
        }
    }
}
