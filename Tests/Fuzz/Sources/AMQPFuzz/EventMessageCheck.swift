import CNaveProton
import NaveAMQP
import NaveModel

/// One buffer for every input, as the endpoint reuses one per link, with bytes already in it:
/// `encode` appends, so the sizes it patches into a map or list must count from the message.
nonisolated(unsafe) private var reusedBuffer: [UInt8] = []  // unsafe: libFuzzer runs one input at a time, on one thread

/// Encodes `event`, decodes the bytes with Proton-C's `pn_message_decode`, and checks what
/// Proton reads against what contract §6.6 says the record becomes (a differential check: a
/// model of the mapping here, the encoder there, Proton's decoder in between).
func checkEncoding(of event: FuzzEvent) {
    let record = event.record
    var encoded: [UInt8] = []
    AMQPEventEncoder.encode(record, runtimeMetric: event.runtimeMetric, into: &encoded)
    precondition(encoded.count <= AMQPEventEncoder.encodedByteCountUpperBound(record), "upper bound exceeded")
    reusedBuffer.removeAll(keepingCapacity: true)
    reusedBuffer.append(contentsOf: [0xAA, 0xBB, 0xCC])
    AMQPEventEncoder.encode(record, runtimeMetric: event.runtimeMetric, into: &reusedBuffer)
    precondition(reusedBuffer.dropFirst(3).elementsEqual(encoded), "encoding depends on what the buffer held")

    guard let message = pn_message() else { preconditionFailure("pn_message") }
    defer { pn_message_free(message) }
    let status = encoded.withUnsafeBytes { pn_message_decode(message, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
    precondition(status == 0, "Proton refuses the message: \(status)")

    let body = pn_message_body(message)
    pn_data_rewind(body)
    precondition(pn_data_next(body) && pn_data_type(body) == PN_BINARY && bytes(pn_data_get_binary(body)) == record.body,
                 "body differs")
    precondition(entries(pn_message_annotations(message)) == expectedAnnotations(record), "message annotations differ")
    precondition(entries(pn_message_properties(message))
                 == record.applicationProperties.map { Entry(.string($0.key), .string($0.value)) }, "application properties differ")
    precondition(entries(pn_message_instructions(message)) == expectedDeliveryAnnotations(event.runtimeMetric),
                 "delivery annotations differ")
    checkProperties(message, record)
}

/// A map entry as Proton decoded it, with its AMQP types.
struct Entry: Equatable {
    var key: Scalar
    var value: Scalar
    init(_ key: Scalar, _ value: Scalar) { (self.key, self.value) = (key, value) }
}

/// The scalar types the encoder writes; text as UTF-8 bytes.
enum Scalar: Equatable {
    case symbol([UInt8]), string([UInt8]), long(Int64), timestamp(Int64), other(Int32)

    static func symbol(_ text: String) -> Scalar { .symbol(Array(text.utf8)) }
    static func string(_ text: String) -> Scalar { .string(Array(text.utf8)) }

    init(_ data: OpaquePointer) {
        switch pn_data_type(data) {
        case PN_SYMBOL: self = .symbol(bytes(pn_data_get_symbol(data)))
        case PN_STRING: self = .string(bytes(pn_data_get_string(data)))
        case PN_LONG: self = .long(pn_data_get_long(data))
        case PN_TIMESTAMP: self = .timestamp(pn_data_get_timestamp(data))
        case let type: self = .other(type.rawValue)
        }
    }
}

/// The entries of the map `data` holds, in wire order; none when it holds no value.
private func entries(_ data: OpaquePointer) -> [Entry] {
    pn_data_rewind(data)
    guard pn_data_next(data) else { return [] }
    precondition(pn_data_type(data) == PN_MAP, "a section that should be a map is not")
    let count = pn_data_get_map(data)
    precondition(count % 2 == 0 && pn_data_enter(data))
    var result: [Entry] = []
    while result.count < count / 2, pn_data_next(data) {
        let key = Scalar(data)
        precondition(pn_data_next(data), "a map key without a value")
        result.append(Entry(key, Scalar(data)))
    }
    _ = pn_data_exit(data)
    return result
}

private func bytes(_ bytes: pn_bytes_t) -> [UInt8] {
    guard let start = bytes.start else { return [] }
    return Array(UnsafeRawBufferPointer(start: start, count: bytes.size))
}

/// Contract §6.6's annotations for `record`: the position and sender, then each system
/// property that is neither a properties field, nor the module output name, nor one of these
/// names, in stored order (IoT Hub's own keys once each), then `iothub-enqueuedtime`.
private func expectedAnnotations(_ record: EventRecord) -> [Entry] {
    let time = Scalar.timestamp(record.enqueuedTime.millisecondsSinceEpoch)
    var expected = [
        Entry(.symbol("x-opt-sequence-number"), .long(record.sequenceNumber)),
        Entry(.symbol("x-opt-offset"), .string(String(record.offset))),
        Entry(.symbol("x-opt-enqueued-time"), time),
        Entry(.symbol("iothub-connection-device-id"), .string(record.deviceID)),
    ]
    if let moduleID = record.moduleID { expected.append(Entry(.symbol("iothub-connection-module-id"), .string(moduleID))) }
    let notAnnotations = Set(FuzzEvent.propertiesFieldKeys + FuzzEvent.unsentKeys)
    let onceEach = Set(FuzzEvent.annotationKeys)
    var seen = Set<String>()
    for property in record.systemProperties where !notAnnotations.contains(property.key) {
        if onceEach.contains(property.key), !seen.insert(property.key).inserted { continue }
        expected.append(Entry(.symbol(property.key), .string(property.value)))
    }
    expected.append(Entry(.symbol("iothub-enqueuedtime"), time))
    return expected
}

private func expectedDeliveryAnnotations(_ metric: EventHubRuntimeMetric?) -> [Entry] {
    guard let metric else { return [] }
    return [
        Entry(.symbol("last_enqueued_sequence_number"), .long(metric.lastEnqueuedSequenceNumber)),
        Entry(.symbol("last_enqueued_offset"), .string(String(metric.lastEnqueuedOffset))),
        Entry(.symbol("last_enqueued_time_utc"), .timestamp(metric.lastEnqueuedTime.millisecondsSinceEpoch)),
        Entry(.symbol("runtime_info_retrieval_time_utc"), .timestamp(metric.retrievalTime.millisecondsSinceEpoch)),
    ]
}

/// The properties section through Proton's accessors: each field holds the first stored value
/// of its system property (contract §1.7's table).
private func checkProperties(_ message: OpaquePointer, _ record: EventRecord) {
    func first(_ key: String) -> String? { record.systemProperties.first { $0.key == key }?.value }
    func check(_ atom: pn_atom_t, _ expected: String?, _ name: String) {
        if let expected {
            precondition(atom.type == PN_STRING && bytes(atom.u.as_bytes) == Array(expected.utf8), "\(name) differs")
        } else {
            precondition(atom.type == PN_NULL, "\(name) sent but not stored")
        }
    }
    check(pn_message_get_id(message), first(EventSystemProperty.messageID), "message-id")
    check(pn_message_get_correlation_id(message), first(EventSystemProperty.correlationID), "correlation-id")
    precondition(bytes(pn_message_get_user_id(message)) == Array((first(EventSystemProperty.userID) ?? "").utf8), "user-id differs")
    // Proton hands an absent symbol and an empty one alike.
    let contentType = pn_message_get_content_type(message).map { String(cString: $0) } ?? ""
    precondition(contentType == first(EventSystemProperty.contentType) ?? "", "content-type differs")
    let contentEncoding = pn_message_get_content_encoding(message).map { String(cString: $0) } ?? ""
    precondition(contentEncoding == first(EventSystemProperty.contentEncoding) ?? "", "content-encoding differs")
    // The UTC forms Timestamp reads must arrive exactly; the others are the unit tests' (a
    // random text is seldom a time at all).
    if let text = first(EventSystemProperty.expiry), let time = Timestamp(iso8601: text), time != .never {
        precondition(pn_message_get_expiry_time(message) == time.millisecondsSinceEpoch, "absolute-expiry-time differs")
    }
}
