import NaveModel

/// Encodes a stored event as the AMQP 1.0 message an Event Hub reader receives from the built-in
/// events endpoint (contract §6.6): the bytes handed to `pn_link_send` for one transfer with
/// message-format 0. The sections come in the order AMQP 1.0 §3.2 fixes:
///
/// 1. delivery-annotations (§3.2.2), only with a runtime metric (contract §6.5's
///    `com.microsoft:enable-receiver-runtime-metric`);
/// 2. message-annotations (§3.2.3): the partition position, the sender and IoT Hub's
///    system properties;
/// 3. properties (§3.2.4), only when the device set one of its fields (contract §1.7's table);
/// 4. application-properties (§3.2.5): the device's custom properties, string → string, in the
///    order it sent them; omitted when there are none;
/// 5. one data section (§3.2.6) with the body as the device sent it.
///
/// Pure and allocation-free once `buffer` has grown to the largest message: every value is
/// copied straight from the stored record's bytes (`EventRecordView`) into it
/// (`AMQPEncoding.swift`).
public enum AMQPEventEncoder {
    /// Appends the message of the stored event `event` to `buffer`. Callers reuse one buffer,
    /// emptying it with `removeAll(keepingCapacity: true)` between events, so that the steady
    /// state allocates nothing.
    public static func encode(_ event: EventRecordView, runtimeMetric: EventHubRuntimeMetric? = nil,
                              into buffer: inout [UInt8]) {
        // Through the drain's path: room for the upper bound, encoded in place, the rest cut.
        let start = buffer.count
        let bound = encodedByteCountUpperBound(event)
        buffer.append(contentsOf: repeatElement(0, count: bound))
        let written = buffer.withUnsafeMutableBytes { bytes in
            var message = ReservedBytes(UnsafeMutableRawBufferPointer(rebasing: bytes[start...]))
            write(event, runtimeMetric: runtimeMetric, to: &message)
            return message.count
        }
        buffer.removeLast(bound - written)
    }

    /// `encode` into any sink: the drain writes into room sized by `encodedByteCountUpperBound`.
    static func write(_ event: EventRecordView, runtimeMetric: EventHubRuntimeMetric? = nil,
                      to buffer: inout some AMQPByteSink) {
        if let runtimeMetric { appendDeliveryAnnotations(runtimeMetric, to: &buffer) }
        var properties = EventMessageProperties()
        appendMessageAnnotations(event, collecting: &properties, to: &buffer)
        properties.appendSection(to: &buffer)
        appendApplicationProperties(event.applicationProperties, to: &buffer)
        buffer.appendAMQPDescriptor(SectionCode.data)
        buffer.appendAMQPBinary(event.body)
    }

    /// The same message from an event held as values (tests and the fuzz target): stored first,
    /// so that one encoder serves both.
    public static func encode(_ event: EventRecord, runtimeMetric: EventHubRuntimeMetric? = nil,
                              into buffer: inout [UInt8]) {
        EventRecordCodec.encode(event).withUnsafeBytes { payload in
            guard let view = try? EventRecordView(payload: payload) else {
                preconditionFailure("the record codec read back a payload it had just written")
            }
            encode(view, runtimeMetric: runtimeMetric, into: &buffer)
        }
    }

    /// An upper bound of `encode`'s output for `event`, with or without a runtime metric, for
    /// sizing a buffer or checking a link's `max-message-size` (AMQP 1.0 §2.7.3) before encoding.
    public static func encodedByteCountUpperBound(_ event: EventRecord) -> Int {
        // Every value written has a header of at most 5 bytes (a 32-bit length), and a
        // compound's header at most 9; a key or value of the event's own is counted once here.
        var bytes = fixedBytesMax + 5 + event.deviceID.utf8.count + event.body.count
        if let moduleID = event.moduleID { bytes += 5 + moduleID.utf8.count }
        for property in event.systemProperties {
            bytes += 10 + property.key.utf8.count + property.value.utf8.count
        }
        for property in event.applicationProperties {
            bytes += 10 + property.key.utf8.count + property.value.utf8.count
        }
        return bytes
    }

    /// An upper bound of `write`'s output for a stored event, a runtime metric included: each value
    /// the record stores is sent at most once with a header of at most 5 bytes (10 per
    /// property), and a known system key, stored as a one-byte code, is sent as its text.
    static func encodedByteCountUpperBound(_ event: EventRecordView) -> Int {
        fixedBytesMax + event.payloadByteCount + 10 * (event.systemProperties.count + event.applicationProperties.count)
            + event.systemProperties.count * EventRecordCodec.systemKeyBytesMax
    }

    /// What `encodedByteCountUpperBound` does not count per value, about 420 bytes: five
    /// section descriptors (15) and four compound headers (36), the delivery-annotations (159)
    /// and the message-annotation keys the encoder names itself with their fixed-size values
    /// (186; an offset's text is at most 22 bytes), the properties list's nulls and expiry (18),
    /// the body's header (5).
    static let fixedBytesMax = 512

    /// Section descriptor codes (AMQP 1.0 §3.2, `amqp:…:list`/`map`/`binary` as smallulong).
    enum SectionCode {
        static let deliveryAnnotations: UInt8 = 0x71
        static let messageAnnotations: UInt8 = 0x72
        static let properties: UInt8 = 0x73
        static let applicationProperties: UInt8 = 0x74
        static let data: UInt8 = 0x75
    }

    /// Appends only the delivery-annotations section of `metric`: a sender whose events share one
    /// metric (a batch read at once) encodes it once and copies the bytes before each event
    /// encoded with `runtimeMetric: nil`.
    public static func encodeDeliveryAnnotations(_ metric: EventHubRuntimeMetric, into buffer: inout [UInt8]) {
        appendDeliveryAnnotations(metric, to: &buffer)
    }

    /// Contract §6.6's delivery-annotations: symbol keys, Event Hubs' runtime-metric names.
    private static func appendDeliveryAnnotations(_ metric: EventHubRuntimeMetric, to buffer: inout some AMQPByteSink) {
        buffer.appendAMQPDescriptor(SectionCode.deliveryAnnotations)
        let map = buffer.beginAMQPCompound()
        buffer.appendAMQPSymbol("last_enqueued_sequence_number")
        buffer.appendAMQPLong(metric.lastEnqueuedSequenceNumber)
        buffer.appendAMQPSymbol("last_enqueued_offset")
        buffer.appendAMQPDecimalString(metric.lastEnqueuedOffset)
        buffer.appendAMQPSymbol("last_enqueued_time_utc")
        buffer.appendAMQPTimestamp(milliseconds: metric.lastEnqueuedTime.millisecondsSinceEpoch)
        buffer.appendAMQPSymbol("runtime_info_retrieval_time_utc")
        buffer.appendAMQPTimestamp(milliseconds: metric.retrievalTime.millisecondsSinceEpoch)
        buffer.endAMQPCompound(at: map, elementCount: 8, kind: .map)
    }

    /// Contract §6.6's message-annotations, symbol keys. The SDK reads `x-opt-offset` with
    /// `.decode()`, so it is a string; the enqueued time is sent twice, as Event Hubs'
    /// `x-opt-enqueued-time` and IoT Hub's `iothub-enqueuedtime`. The system properties that
    /// belong in the properties section are taken into `properties` on the same pass: each
    /// key's placement is looked up once.
    private static func appendMessageAnnotations(_ event: EventRecordView, collecting properties: inout EventMessageProperties,
                                                 to buffer: inout some AMQPByteSink) {
        buffer.appendAMQPDescriptor(SectionCode.messageAnnotations)
        let map = buffer.beginAMQPCompound()
        var pairs = 5
        buffer.appendAMQPSymbol(EventAnnotation.sequenceNumber)
        buffer.appendAMQPLong(event.sequenceNumber)
        buffer.appendAMQPSymbol(EventAnnotation.offset)
        buffer.appendAMQPDecimalString(event.offset)
        buffer.appendAMQPSymbol(EventAnnotation.enqueuedTime)
        buffer.appendAMQPTimestamp(milliseconds: event.enqueuedTime.millisecondsSinceEpoch)
        buffer.appendAMQPSymbol(EventAnnotation.deviceID)
        buffer.appendAMQPString(utf8: event.deviceID)
        if let moduleID = event.moduleID {
            buffer.appendAMQPSymbol(EventAnnotation.moduleID)
            buffer.appendAMQPString(utf8: moduleID)
            pairs += 1
        }
        // A map's keys are unique (AMQP 1.0 §1.6.23): of a known key stored twice, the first
        // is sent. An unknown key is sent as stored, repeats included (a device would have had
        // to repeat it in its bag); finding those would cost a pass per key.
        var sent = EventSystemPropertyPlacement.KnownAnnotations()
        for property in event.systemProperties {
            switch EventSystemPropertyPlacement(property.key) {
            case .propertiesField(let field):
                properties.take(field, property.value)
            case .messageAnnotation(let known):
                guard sent.insert(known) else { continue }
                switch property.key {
                case .known: buffer.appendAMQPSymbol(property.key.text)
                case .other(let utf8): buffer.appendAMQPSymbol(utf8: utf8)
                }
                buffer.appendAMQPString(utf8: property.value)
                pairs += 1
            case .notSent:
                continue
            }
        }
        buffer.appendAMQPSymbol(EventAnnotation.iotHubEnqueuedTime)
        buffer.appendAMQPTimestamp(milliseconds: event.enqueuedTime.millisecondsSinceEpoch)
        buffer.endAMQPCompound(at: map, elementCount: 2 * pairs, kind: .map)
    }

    /// AMQP 1.0 §3.2.5: a map of string keys; contract §6.6 keeps the values strings too.
    /// Keys are sent as stored, so a key the device repeated in its bag is repeated here.
    private static func appendApplicationProperties(_ properties: EventRecordView.ApplicationProperties,
                                                    to buffer: inout some AMQPByteSink) {
        guard properties.count > 0 else { return }
        buffer.appendAMQPDescriptor(SectionCode.applicationProperties)
        let map = buffer.beginAMQPCompound()
        for property in properties {
            buffer.appendAMQPString(utf8: property.key)
            buffer.appendAMQPString(utf8: property.value)
        }
        buffer.endAMQPCompound(at: map, elementCount: 2 * properties.count, kind: .map)
    }
}

/// The message-annotation keys the encoder writes from the record itself (contract §6.6).
enum EventAnnotation {
    static let sequenceNumber = "x-opt-sequence-number"
    static let offset = "x-opt-offset"
    static let enqueuedTime = "x-opt-enqueued-time"
    static let deviceID = "iothub-connection-device-id"
    static let moduleID = "iothub-connection-module-id"
    static let iotHubEnqueuedTime = "iothub-enqueuedtime"
}
