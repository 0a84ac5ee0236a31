
/// The payload of one event log record, version 1. All integers little-endian.
///
/// ```
/// u8      version (1)
/// u8      flags: bit 0 = a module id follows the device id; other bits 0
/// i64     sequence number
/// i64     offset
/// i64     enqueued time, ms since the Unix epoch
/// str     device id                    (str = varint byte count + UTF-8)
/// [str    module id]
/// varint  system property count, then per property:
///         u8 key code (1… from `systemKeys`; 0 = the key follows as str), str value
/// varint  application property count, then per property: str key, str value
/// varint  body byte count, body bytes
/// ```
///
/// The payload ends exactly at the body's end. Varints are unsigned LEB128, at most 5 bytes, in
/// their shortest form. The fixed fields come first so recovery can read a record's position and
/// time without decoding the rest. Known system keys take one byte instead of ~15 per property.
public enum EventRecordCodec {
    public static let version: UInt8 = 1
    static let moduleFlag: UInt8 = 1
    /// Version, flags, three i64s, and one byte each for the device id, the two counts and the body.
    public static let minimumPayloadBytes = 2 + 24 + 4
    /// Where the fixed fields sit in the payload.
    static let sequenceNumberAt = 2, offsetAt = 10, enqueuedTimeAt = 18, variablePartAt = 26

    /// The system keys with one-byte codes: `systemKeys[code - 1]`. Append only: a code, once
    /// written to disk, means its key forever.
    public static let systemKeys: [String] = [
        EventSystemProperty.messageID, EventSystemProperty.correlationID, EventSystemProperty.userID,
        EventSystemProperty.contentType, EventSystemProperty.contentEncoding, EventSystemProperty.expiry,
        EventSystemProperty.outputName, EventSystemProperty.connectionAuthMethod,
        EventSystemProperty.connectionAuthGenerationID, EventSystemProperty.messageSource,
        EventSystemProperty.dataSchema, EventSystemProperty.subject, EventSystemProperty.interfaceID,
    ]

    /// The longest of `systemKeys`, in UTF-8 bytes.
    public static let systemKeyBytesMax = systemKeys.map(\.utf8.count).max() ?? 0

    /// The key's one-byte code, 0 for a key without one. Runs twice per system property of every
    /// record (size, then encoding): a table lookup, not a walk comparing strings.
    static func systemKeyCode(_ key: String) -> UInt8 {
        systemKeyCodes[key] ?? 0
    }

    private static let systemKeyCodes: [String: UInt8] = Dictionary(
        uniqueKeysWithValues: systemKeys.enumerated().map { ($0.element, UInt8($0.offset + 1)) })

    // MARK: Size

    /// The exact payload size `append(_:…)` will write for `data`, so a record can be refused
    /// for size before it is queued.
    public static func payloadBytes(of data: EventData) -> Int {
        var bytes = variablePartAt + stringBytes(data.deviceID)
        if let moduleID = data.moduleID { bytes += stringBytes(moduleID) }
        bytes += varintBytes(data.systemProperties.count)
        for property in data.systemProperties {
            bytes += 1 + stringBytes(property.value)
            if systemKeyCode(property.key) == 0 { bytes += stringBytes(property.key) }
        }
        bytes += varintBytes(data.applicationProperties.count)
        for property in data.applicationProperties {
            bytes += stringBytes(property.key) + stringBytes(property.value)
        }
        return bytes + varintBytes(data.body.count) + data.body.count
    }

    static func stringBytes(_ string: String) -> Int {
        let count = string.utf8.count
        return varintBytes(count) + count
    }

    static func varintBytes(_ value: Int) -> Int {
        var value = UInt64(value)
        var bytes = 1
        while value >= 0x80 { value >>= 7; bytes += 1 }
        return bytes
    }

    // MARK: Encode

    /// Appends the payload of `data` at (`sequenceNumber`, `offset`, `enqueuedTime`) to `buffer`.
    /// Callers check the size first (`payloadBytes`); counts and lengths above 2³²−1 trap.
    public static func append(_ data: EventData, sequenceNumber: Int64, offset: Int64, enqueuedTime: Timestamp,
                              to buffer: inout [UInt8]) {
        buffer.append(version)
        buffer.append(data.moduleID == nil ? 0 : moduleFlag)
        appendInt64(sequenceNumber, to: &buffer)
        appendInt64(offset, to: &buffer)
        appendInt64(enqueuedTime.millisecondsSinceEpoch, to: &buffer)
        appendString(data.deviceID, to: &buffer)
        if let moduleID = data.moduleID { appendString(moduleID, to: &buffer) }
        appendVarint(data.systemProperties.count, to: &buffer)
        for property in data.systemProperties {
            let code = systemKeyCode(property.key)
            buffer.append(code)
            if code == 0 { appendString(property.key, to: &buffer) }
            appendString(property.value, to: &buffer)
        }
        appendVarint(data.applicationProperties.count, to: &buffer)
        for property in data.applicationProperties {
            appendString(property.key, to: &buffer)
            appendString(property.value, to: &buffer)
        }
        appendVarint(data.body.count, to: &buffer)
        buffer.append(contentsOf: data.body)
    }

    /// The payload of a record, as a new array.
    public static func encode(_ record: EventRecord) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(payloadBytes(of: record.data))
        append(record.data, sequenceNumber: record.sequenceNumber, offset: record.offset,
               enqueuedTime: record.enqueuedTime, to: &buffer)
        return buffer
    }

    static func appendInt64(_ value: Int64, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    static func appendVarint(_ value: Int, to buffer: inout [UInt8]) {
        precondition(value >= 0 && value <= Int(UInt32.max), "length beyond the record format")
        var value = UInt32(value)
        while value >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.append(UInt8(value))
    }

    static func appendString(_ string: String, to buffer: inout [UInt8]) {
        appendVarint(string.utf8.count, to: &buffer)
        buffer.append(contentsOf: string.utf8)
    }

    // MARK: Decode

    /// Decodes a whole payload. Strict: the layout is checked as `EventRecordView` reads it,
    /// then every text must be UTF-8. Never traps on any input.
    public static func decode(_ payload: UnsafeRawBufferPointer) throws(EventRecordCorruption) -> EventRecord {
        try decode(EventRecordView(payload: payload))
    }

    /// The record a view reads, as values.
    public static func decode(_ view: EventRecordView) throws(EventRecordCorruption) -> EventRecord {
        let deviceID = try text(view.deviceID, "device id")
        let moduleID = try view.moduleID.map { bytes throws(EventRecordCorruption) in try text(bytes, "module id") }
        var system: [EventProperty] = []
        system.reserveCapacity(view.systemProperties.count)
        for property in view.systemProperties {
            let key = switch property.key {
            case .known: property.key.text
            case .other(let bytes): try text(bytes, "system property key")
            }
            system.append(EventProperty(key, try text(property.value, "system property value")))
        }
        var application: [EventProperty] = []
        application.reserveCapacity(view.applicationProperties.count)
        for property in view.applicationProperties {
            application.append(EventProperty(try text(property.key, "application property key"),
                                             try text(property.value, "application property value")))
        }
        let data = EventData(deviceID: deviceID, moduleID: moduleID, systemProperties: system,
                             applicationProperties: application, body: Array(view.body))
        return EventRecord(sequenceNumber: view.sequenceNumber, offset: view.offset, enqueuedTime: view.enqueuedTime, data: data)
    }

    private static func text(_ bytes: UnsafeRawBufferPointer, _ field: String) throws(EventRecordCorruption) -> String {
        guard let text = PayloadReader.text(bytes) else { throw .invalidUTF8(field: field) }
        return text
    }

    /// Decodes an array's bytes as a payload.
    public static func decode(_ payload: [UInt8]) throws(EventRecordCorruption) -> EventRecord {
        // withUnsafeBytes rethrows untyped; keep the typed error through a Result.
        let result = payload.withUnsafeBytes { bytes in
            Result { () throws(EventRecordCorruption) -> EventRecord in try decode(bytes) }
        }
        return try result.get()
    }

    /// The fixed fields only, for recovery and index rebuilding (no allocation).
    public static func decodeHeader(_ payload: UnsafeRawBufferPointer) throws(EventRecordCorruption) -> PayloadHeader {
        var reader = PayloadReader(payload)
        return try reader.header()
    }
}
