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

    /// Keys are found by length first, then compared (one to three candidates of that length):
    /// telemetry carries several system properties per event, and both a `switch` over nineteen
    /// strings and a dictionary's hashing cost about 5 % of the node's time in the events drain.
    init(key: String) {
        let length = key.utf8.count
        guard length < Self.byLength.count else {
            self = .messageAnnotation(known: nil)
            return
        }
        self = Self.byLength[length].first { $0.key == key }?.placement ?? .messageAnnotation(known: nil)
    }

    /// A stored key's placement: by its code for IoT Hub's keys (a table lookup, no text), by
    /// its text for any other.
    init(_ key: EventRecordView.Key) {
        switch key {
        case .known(let code): self = Self.byCode[Int(code)]
        case .other: self.init(key: key.text)
        }
    }

    /// Placements indexed by the record codec's key codes (`EventRecordCodec.systemKeys`; 0 has none).
    private static let byCode: [EventSystemPropertyPlacement] =
        [.messageAnnotation(known: nil)] + EventRecordCodec.systemKeys.map { EventSystemPropertyPlacement(key: $0) }

    /// Known keys and their placements, indexed by UTF-8 length.
    private static let byLength: [[(key: String, placement: EventSystemPropertyPlacement)]] = {
        var table = [[(key: String, placement: EventSystemPropertyPlacement)]](repeating: [], count: 64)
        for (key, placement) in byKey { table[key.utf8.count].append((key, placement)) }
        return table
    }()

    private static let byKey: [String: EventSystemPropertyPlacement] = {
        var table: [String: EventSystemPropertyPlacement] = [
            EventSystemProperty.messageID: .propertiesField(.messageID),
            EventSystemProperty.userID: .propertiesField(.userID),
            EventSystemProperty.correlationID: .propertiesField(.correlationID),
            EventSystemProperty.contentType: .propertiesField(.contentType),
            EventSystemProperty.contentEncoding: .propertiesField(.contentEncoding),
            EventSystemProperty.expiry: .propertiesField(.absoluteExpiryTime),
            EventSystemProperty.outputName: .notSent,
            EventSystemProperty.connectionAuthMethod: .messageAnnotation(known: 0),
            EventSystemProperty.connectionAuthGenerationID: .messageAnnotation(known: 1),
            EventSystemProperty.messageSource: .messageAnnotation(known: 2),
            EventSystemProperty.dataSchema: .messageAnnotation(known: 3),
            EventSystemProperty.subject: .messageAnnotation(known: 4),
            EventSystemProperty.interfaceID: .messageAnnotation(known: 5),
        ]
        // A stored key naming an annotation the encoder writes from the record itself is not
        // sent: the record stays the truth.
        for key in [EventAnnotation.sequenceNumber, EventAnnotation.offset, EventAnnotation.enqueuedTime,
                    EventAnnotation.deviceID, EventAnnotation.moduleID, EventAnnotation.iotHubEnqueuedTime] {
            table[key] = .notSent
        }
        // Any other key (the MQTT side keeps a `$.` key it does not know under its own name,
        // `EventLogTelemetrySink`) goes out as a string annotation: nothing the device sent is
        // lost, and a reader sees it in `system_properties` next to IoT Hub's own.
        return table
    }()

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
