import NaveModel

/// The fields of an event's properties section (AMQP 1.0 §3.2.4) that a device can set through
/// its system properties (contract §1.7's table, §6.6). A field set twice keeps its first value.
/// Values are borrowed from the stored record (`EventRecordView`) for the one encode they serve.
struct EventMessageProperties {
    /// The section's fields Nave fills, by their position in the section's list (§3.2.4:
    /// message-id, user-id, to, subject, reply-to, correlation-id, content-type,
    /// content-encoding, absolute-expiry-time, creation-time, …).
    enum Field: Int {
        case messageID = 0
        case userID = 1
        case correlationID = 5
        case contentType = 6
        case contentEncoding = 7
        case absoluteExpiryTime = 8
    }

    private var messageID: UnsafeRawBufferPointer?
    private var userID: UnsafeRawBufferPointer?
    private var correlationID: UnsafeRawBufferPointer?
    private var contentType: UnsafeRawBufferPointer?
    private var contentEncoding: UnsafeRawBufferPointer?
    private var absoluteExpiryText: UnsafeRawBufferPointer?

    /// `value` is the field's UTF-8.
    mutating func take(_ field: Field, _ value: UnsafeRawBufferPointer) {
        switch field {
        case .messageID: messageID = messageID ?? value
        case .userID: userID = userID ?? value
        case .correlationID: correlationID = correlationID ?? value
        case .contentType: contentType = contentType ?? value
        case .contentEncoding: contentEncoding = contentEncoding ?? value
        case .absoluteExpiryTime: absoluteExpiryText = absoluteExpiryText ?? value
        }
    }

    /// Appends the properties section, or nothing when no field is set. The list stops at the
    /// last field set (§1.6.22 allows a list shorter than its type's fields; the rest are null)
    /// and holds a null for each unset field before it.
    func appendSection<Sink: AMQPByteSink>(to buffer: inout Sink) {
        let absoluteExpiryTime = absoluteExpiryText.flatMap { Self.absoluteExpiryTime(fromISO8601: String(decoding: $0, as: UTF8.self)) }
        let lastField: Field? = if absoluteExpiryTime != nil { .absoluteExpiryTime }
            else if contentEncoding != nil { .contentEncoding }
            else if contentType != nil { .contentType }
            else if correlationID != nil { .correlationID }
            else if userID != nil { .userID }
            else if messageID != nil { .messageID }
            else { nil }
        guard let lastField else { return }
        buffer.appendAMQPDescriptor(AMQPEventEncoder.SectionCode.properties)
        let list = buffer.beginAMQPCompound()
        for position in 0...lastField.rawValue {
            switch Field(rawValue: position) {
            // message-id and correlation-id are `*` fields (§3.2.4: message-id-string among
            // others); IoT Hub's are strings.
            case .messageID: append(messageID, to: &buffer) { $0.appendAMQPString(utf8: $1) }
            case .userID: append(userID, to: &buffer) { $0.appendAMQPBinary($1) }
            case .correlationID: append(correlationID, to: &buffer) { $0.appendAMQPString(utf8: $1) }
            case .contentType: append(contentType, to: &buffer) { $0.appendAMQPSymbol(utf8: $1) }
            case .contentEncoding: append(contentEncoding, to: &buffer) { $0.appendAMQPSymbol(utf8: $1) }
            case .absoluteExpiryTime:
                append(absoluteExpiryTime, to: &buffer) { $0.appendAMQPTimestamp(milliseconds: $1.millisecondsSinceEpoch) }
            case nil: buffer.appendAMQPNull()  // to, subject, reply-to: never set by a device
            }
        }
        buffer.endAMQPCompound(at: list, elementCount: lastField.rawValue + 1, kind: .list)
    }

    private func append<Value, Sink: AMQPByteSink>(_ value: Value?, to buffer: inout Sink, _ write: (inout Sink, Value) -> Void) {
        if let value { write(&buffer, value) } else { buffer.appendAMQPNull() }
    }

    /// The expiry a device sent as ISO 8601 text (`$.exp`, contract §1.7: Python's
    /// `isoformat()`), in ms since the epoch; nil when it is not a time, or is IoT Hub's
    /// "never" (`0001-01-01T00:00:00Z`), and the field is then left out.
    ///
    /// `Timestamp(iso8601:)` reads UTC (`Z`, `+00:00`). Two more forms come from the SDK:
    /// another offset (`+02:00`), and none at all (`isoformat()` of a naive datetime, which the
    /// SDK's `expiry_time_utc` means as UTC). Runs only for events that carry an expiry.
    static func absoluteExpiryTime(fromISO8601 text: String) -> Timestamp? {
        // The longest accepted: 19 + "." + 7 fraction digits + 6 (offset).
        guard text.utf8.count <= 33 else { return nil }
        if let time = Timestamp(iso8601: text) { return time == .never ? nil : time }
        let bytes = Array(text.utf8)
        guard bytes.count >= 25, let sign = bytes.dropLast(5).last,
              sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
              let offset = offsetMinutes(bytes.suffix(5)),
              let local = Timestamp(iso8601: String(decoding: bytes.dropLast(6), as: UTF8.self) + "Z"),
              local != .never
        else {
            guard let naive = Timestamp(iso8601: text + "Z"), naive != .never else { return nil }
            return naive
        }
        let milliseconds = Int64(sign == UInt8(ascii: "+") ? -offset : offset) * 60_000
        return Timestamp(millisecondsSinceEpoch: local.millisecondsSinceEpoch + milliseconds)
    }

    /// `hh:mm` (RFC 3339 §5.6 `time-numoffset` without its sign) as minutes, at most 23:59.
    private static func offsetMinutes(_ text: ArraySlice<UInt8>) -> Int? {
        let digits = text.map { Int($0) - Int(UInt8(ascii: "0")) }
        guard digits.count == 5, text[text.startIndex + 2] == UInt8(ascii: ":"),
              [0, 1, 3, 4].allSatisfy({ (0...9).contains(digits[$0]) }) else { return nil }
        let hours = digits[0] * 10 + digits[1]
        let minutes = digits[3] * 10 + digits[4]
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }
}
