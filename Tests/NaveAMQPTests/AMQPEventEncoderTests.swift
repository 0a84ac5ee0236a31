@testable import NaveAMQP
import NaveModel
import Testing

/// `AMQPEventEncoder` against Proton-C's decoder: every section and field of contract §6.6,
/// with its AMQP type, for the events a reader meets.
@Suite("AMQP event encoder (contract §6.6)")
struct AMQPEventEncoderTests {
    static let enqueued = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)
    static let authMethod = #"{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}"#

    static func event(sequenceNumber: Int64 = 1, offset: Int64 = 120, deviceID: String = "dev1", moduleID: String? = nil,
                      system: [EventProperty] = [], application: [EventProperty] = [], body: [UInt8] = Array(#"{"temp": 21.5}"#.utf8)) -> EventRecord {
        EventRecord(sequenceNumber: sequenceNumber, offset: offset, enqueuedTime: enqueued,
                    data: EventData(deviceID: deviceID, moduleID: moduleID, systemProperties: system,
                                    applicationProperties: application, body: body))
    }

    static func encoded(_ event: EventRecord, runtimeMetric: EventHubRuntimeMetric? = nil) -> [UInt8] {
        var buffer: [UInt8] = []
        AMQPEventEncoder.encode(event, runtimeMetric: runtimeMetric, into: &buffer)
        #expect(buffer.count <= AMQPEventEncoder.encodedByteCountUpperBound(event))
        return buffer
    }

    static func decoded(_ event: EventRecord, runtimeMetric: EventHubRuntimeMetric? = nil) -> ProtonDecodedMessage {
        let message = ProtonDecodedMessage(encoded(event, runtimeMetric: runtimeMetric))
        #expect(message.undecodedBytes == 0)
        #expect(message.messageStatus == 0)
        return message
    }

    /// The message annotations every event has, in the encoder's order, before the system ones.
    static func positionAnnotations(_ event: EventRecord) -> [AMQPValue] {
        var items: [AMQPValue] = [
            .symbol("x-opt-sequence-number"), .long(event.sequenceNumber),
            .symbol("x-opt-offset"), .string(String(event.offset)),
            .symbol("x-opt-enqueued-time"), .timestamp(event.enqueuedTime.millisecondsSinceEpoch),
            .symbol("iothub-connection-device-id"), .string(event.deviceID),
        ]
        if let moduleID = event.moduleID { items += [.symbol("iothub-connection-module-id"), .string(moduleID)] }
        return items
    }

    static let enqueuedTimeAnnotation: [AMQPValue] = [.symbol("iothub-enqueuedtime"), .timestamp(enqueued.millisecondsSinceEpoch)]

    @Test("telemetry with every property: annotations, properties, application properties, one data section")
    func telemetryWithEveryProperty() {
        let event = Self.event(system: [
            EventProperty(EventSystemProperty.messageID, "mid-1"),
            EventProperty(EventSystemProperty.correlationID, "cid-1"),
            EventProperty(EventSystemProperty.userID, "user-1"),
            EventProperty(EventSystemProperty.contentType, "application/json"),
            EventProperty(EventSystemProperty.contentEncoding, "utf-8"),
            EventProperty(EventSystemProperty.expiry, "2030-01-02T03:04:05+00:00"),
            EventProperty(EventSystemProperty.interfaceID, "urn:azureiot:Security:SecurityAgent:1"),
            EventProperty(EventSystemProperty.connectionAuthMethod, Self.authMethod),
            EventProperty(EventSystemProperty.connectionAuthGenerationID, "638000000000000001"),
            EventProperty(EventSystemProperty.messageSource, "Telemetry"),
            EventProperty(EventSystemProperty.dataSchema, "dtmi:com:example:Thermostat;1"),
            EventProperty(EventSystemProperty.subject, "thermostat1"),
        ], application: [EventProperty("alert", "true"), EventProperty("sp ace", "a/b&c=d"), EventProperty("num", "5")])
        let message = Self.decoded(event)
        #expect(message.sectionCodes == [0x72, 0x73, 0x74, 0x75])
        #expect(message.messageAnnotations == .map(alternating: Self.positionAnnotations(event) + [
            .symbol("iothub-interface-id"), .string("urn:azureiot:Security:SecurityAgent:1"),
            .symbol("iothub-connection-auth-method"), .string(Self.authMethod),
            .symbol("iothub-connection-auth-generation-id"), .string("638000000000000001"),
            .symbol("iothub-message-source"), .string("Telemetry"),
            .symbol("dt-dataschema"), .string("dtmi:com:example:Thermostat;1"),
            .symbol("dt-subject"), .string("thermostat1"),
        ] + Self.enqueuedTimeAnnotation))
        // §3.2.4's positions: message-id, user-id, to, subject, reply-to, correlation-id,
        // content-type, content-encoding, absolute-expiry-time.
        let expiry: Int64 = 1_893_553_445_000  // 2030-01-02T03:04:05Z
        #expect(message.section(0x73) == .list([
            .string("mid-1"), .binary(Array("user-1".utf8)), .null, .null, .null, .string("cid-1"),
            .symbol("application/json"), .symbol("utf-8"), .timestamp(expiry),
        ]))
        #expect(message.messageID == .string("mid-1"))
        #expect(message.userID == Array("user-1".utf8))
        #expect(message.correlationID == .string("cid-1"))
        #expect(message.contentType == "application/json")
        #expect(message.contentEncoding == "utf-8")
        #expect(message.absoluteExpiryTime == expiry)
        #expect(message.applicationProperties == .map(alternating: [
            .string("alert"), .string("true"), .string("sp ace"), .string("a/b&c=d"), .string("num"), .string("5"),
        ]))
        #expect(message.body == .binary(event.body))
        #expect(message.section(0x75) == .binary(event.body))
        #expect(message.deliveryAnnotations == .null)
    }

    @Test("a module's message carries iothub-connection-module-id; its output name is not sent")
    func moduleMessage() {
        let event = Self.event(moduleID: "mod1", system: [EventProperty(EventSystemProperty.outputName, "output1"),
                                                          EventProperty(EventSystemProperty.messageSource, "Telemetry")])
        let message = Self.decoded(event)
        #expect(message.messageAnnotations == .map(alternating: Self.positionAnnotations(event)
            + [.symbol("iothub-message-source"), .string("Telemetry")] + Self.enqueuedTimeAnnotation))
        #expect(message.messageAnnotations["iothub-connection-module-id"] == .string("mod1"))
        #expect(message.sectionCodes == [0x72, 0x75])
    }

    @Test("an event without properties has message annotations and the data section only")
    func noProperties() {
        let event = Self.event()
        let message = Self.decoded(event)
        #expect(message.sectionCodes == [0x72, 0x75])
        #expect(message.messageAnnotations == .map(alternating: Self.positionAnnotations(event) + Self.enqueuedTimeAnnotation))
        #expect(message.applicationProperties == .null)
        #expect(message.messageID == .null)
        #expect(message.contentType == nil)
    }

    @Test("an empty body is one empty data section")
    func emptyBody() {
        let bytes = Self.encoded(Self.event(body: []))
        #expect(bytes.suffix(5) == [0x00, 0x53, 0x75, 0xA0, 0x00])
        #expect(ProtonDecodedMessage(bytes).body == .binary([]))
    }

    @Test("bodies past 255 bytes take vbin32, up to and past 64 KiB", arguments: [255, 256, 300, 65_535, 70_000, 262_144])
    func largeBody(size: Int) {
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let bytes = Self.encoded(Self.event(body: body))
        let header: [UInt8] = size <= 255 ? [0xA0, UInt8(size)]
            : [0xB0, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
        #expect(Array(bytes.dropLast(size).suffix(header.count + 3)) == [0x00, 0x53, 0x75] + header)
        let message = ProtonDecodedMessage(bytes)
        #expect(message.undecodedBytes == 0)
        #expect(message.body == .binary(body))
    }

    @Test("the runtime metric comes first, as delivery annotations (contract §6.5, §6.6)")
    func runtimeMetric() {
        let metric = EventHubRuntimeMetric(lastEnqueuedSequenceNumber: 41, lastEnqueuedOffset: 9_876_543_210,
                                           lastEnqueuedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_009_000),
                                           retrievalTime: Timestamp(millisecondsSinceEpoch: 1_700_000_010_000))
        let message = Self.decoded(Self.event(), runtimeMetric: metric)
        #expect(message.sectionCodes == [0x71, 0x72, 0x75])
        #expect(message.deliveryAnnotations == .map(alternating: [
            .symbol("last_enqueued_sequence_number"), .long(41),
            .symbol("last_enqueued_offset"), .string("9876543210"),
            .symbol("last_enqueued_time_utc"), .timestamp(1_700_000_009_000),
            .symbol("runtime_info_retrieval_time_utc"), .timestamp(1_700_000_010_000),
        ]))
        let empty = EventHubRuntimeMetric(lastEnqueuedSequenceNumber: -1, lastEnqueuedOffset: -1,
                                          lastEnqueuedTime: Timestamp(millisecondsSinceEpoch: 0), retrievalTime: Self.enqueued)
        let emptyPartition = Self.decoded(Self.event(), runtimeMetric: empty)
        #expect(emptyPartition.deliveryAnnotations["last_enqueued_offset"] == .string("-1"))
        #expect(emptyPartition.deliveryAnnotations["last_enqueued_sequence_number"] == .long(-1))
    }

    @Test("non-ASCII text is UTF-8 in strings, symbols and user-id; long text takes str32")
    func nonASCII() {
        let long = String(repeating: "é", count: 200)  // 400 bytes
        let event = Self.event(deviceID: "dév-①", moduleID: "módulo",
                               system: [EventProperty(EventSystemProperty.messageID, "μ-1"),
                                        EventProperty(EventSystemProperty.userID, "usér"),
                                        EventProperty(EventSystemProperty.contentType, "text/plain; charset=ünï")],
                               application: [EventProperty("température", "21,5 °C"), EventProperty("long", long)])
        let message = Self.decoded(event)
        #expect(message.messageAnnotations["iothub-connection-device-id"] == .string("dév-①"))
        #expect(message.messageAnnotations["iothub-connection-module-id"] == .string("módulo"))
        #expect(message.messageID == .string("μ-1"))
        #expect(message.userID == Array("usér".utf8))
        #expect(message.section(0x73) == .list([.string("μ-1"), .binary(Array("usér".utf8)), .null, .null, .null, .null,
                                                 .symbol("text/plain; charset=ünï")]))
        #expect(message.applicationProperties["température"] == .string("21,5 °C"))
        #expect(message.applicationProperties["long"] == .string(long))
    }

    @Test("sequence numbers and offsets at the edges of Int64", arguments: [Int64.min, -129, -1, 0, 127, 128, Int64.max])
    func edgeNumbers(value: Int64) {
        let message = Self.decoded(Self.event(sequenceNumber: value, offset: value))
        #expect(message.messageAnnotations["x-opt-sequence-number"] == .long(value))
        #expect(message.messageAnnotations["x-opt-offset"] == .string(String(value)))
    }

    @Test("steady state: the caller's buffer is reused, never regrown")
    func bufferReuse() {
        let event = Self.event(system: [EventProperty(EventSystemProperty.messageID, "mid-1")],
                               application: [EventProperty("alert", "true")], body: Array(repeating: 7, count: 4096))
        let first = Self.encoded(event)
        var buffer: [UInt8] = []
        AMQPEventEncoder.encode(event, into: &buffer)
        let capacity = buffer.capacity
        let address = buffer.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        for _ in 0..<100 {
            buffer.removeAll(keepingCapacity: true)
            AMQPEventEncoder.encode(event, into: &buffer)
        }
        #expect(buffer == first)
        #expect(buffer.capacity == capacity)
        #expect(buffer.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
    }
}
