import FuzzSupport
import NaveAMQP
import NaveModel

/// An `EventRecord` (and perhaps a runtime metric) made from a fuzz input:
///
/// - bytes 0–7, 8–15, 16–23: sequence number, offset, enqueued time (big-endian, zero-padded);
/// - byte 24: bit 0 a module id, bit 1 a runtime metric, bits 4–7 the number of properties;
/// - then NUL-separated fields: device id, module id, a key and a value per property, and the
///   body last (the body keeps any further NULs).
///
/// A property's key field picks its kind by its first byte: 0x01 a system property under the
/// known key its second byte picks (`systemKeys`, the encoder's own annotation names included),
/// 0x02 a system property under the rest of the field, anything else an application property.
struct FuzzEvent {
    var record: EventRecord
    var runtimeMetric: EventHubRuntimeMetric?

    /// The system properties that become fields of the properties section (contract §1.7).
    static let propertiesFieldKeys = [
        EventSystemProperty.messageID, EventSystemProperty.correlationID, EventSystemProperty.userID,
        EventSystemProperty.contentType, EventSystemProperty.contentEncoding, EventSystemProperty.expiry,
    ]
    /// IoT Hub's own annotations a system property becomes (contract §6.6).
    static let annotationKeys = [
        EventSystemProperty.connectionAuthMethod, EventSystemProperty.connectionAuthGenerationID,
        EventSystemProperty.messageSource, EventSystemProperty.dataSchema, EventSystemProperty.subject,
        EventSystemProperty.interfaceID,
    ]
    /// Never sent from a system property: the module output name, and the annotations the
    /// encoder writes from the record itself.
    static let unsentKeys = [
        EventSystemProperty.outputName, "x-opt-sequence-number", "x-opt-offset", "x-opt-enqueued-time",
        "iothub-connection-device-id", "iothub-connection-module-id", "iothub-enqueuedtime",
    ]
    static let systemKeys = propertiesFieldKeys + annotationKeys + unsentKeys

    init(_ input: FuzzInput) {
        let header = input.bytes.prefix(25) + Array(repeating: 0, count: max(0, 25 - input.bytes.count))
        let number = { (start: Int) in header.dropFirst(start).prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) } }
        let flags = header[header.startIndex + 24]
        let propertyCount = Int(flags >> 4)
        let fields = FuzzInput.fields(input.bytes.dropFirst(25), 3 + 2 * propertyCount)
        var system: [EventProperty] = []
        var application: [EventProperty] = []
        for index in 0..<propertyCount {
            let key = fields[2 + 2 * index]
            let value = fields[3 + 2 * index].text
            switch key.first {
            case 0x01: system.append(EventProperty(Self.systemKeys[Int(key.dropFirst().first ?? 0) % Self.systemKeys.count], value))
            case 0x02: system.append(EventProperty(key.dropFirst().text, value))
            default: application.append(EventProperty(key.text, value))
            }
        }
        let data = EventData(deviceID: fields[0].text, moduleID: flags & 1 != 0 ? fields[1].text : nil,
                             systemProperties: system, applicationProperties: application, body: Array(fields[2 + 2 * propertyCount]))
        record = EventRecord(sequenceNumber: number(0), offset: number(8),
                             enqueuedTime: Timestamp(millisecondsSinceEpoch: number(16)), data: data)
        runtimeMetric = flags & 2 == 0 ? nil : EventHubRuntimeMetric(
            lastEnqueuedSequenceNumber: number(8), lastEnqueuedOffset: number(0),
            lastEnqueuedTime: Timestamp(millisecondsSinceEpoch: number(0)),
            retrievalTime: Timestamp(millisecondsSinceEpoch: number(8)))
    }
}
