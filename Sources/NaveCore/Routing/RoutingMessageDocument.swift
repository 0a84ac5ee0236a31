import NaveModel
import NaveQuery

/// A message as a routing condition sees it (reference §2.3): `$`-system properties, the
/// application properties (strings; names case-insensitive; a `$name` that is no system
/// property falls back to them), `$body` (JSON bodies in a UTF encoding only) and `$twin` (the
/// sender's twin — the module twin for a module's message).
///
/// Built once per message and only with what the table's conditions read: `body` is parsed
/// only when some condition reads `$body` (`RoutingTable` knows), `twin` fetched only when
/// one reads `$twin`. Lookups of system names switch on the canonical spelling `QueryPath` gave
/// them at parse time; application names are compared byte by byte without folding copies.
struct RoutingMessageDocument: QueryDocument {
    let event: TelemetryEvent
    let enqueuedTime: Timestamp
    /// The parsed body, nil when no condition reads it or it is not an eligible JSON body.
    let body: JSONValue?
    let twin: Twin?

    func value(at path: QueryPath) -> QueryValue {
        guard case .name(let first)? = path.segments.first else { return .undefined }
        let rest = path.segments.dropFirst()
        switch first {
        case "$body":
            // Functions apply to body properties, never to `$body` as a whole (§2.3).
            guard let body, case .name? = rest.first else { return .undefined }
            return body.value(following: rest)
        case "$twin":
            guard let twin, !rest.isEmpty else { return .undefined }
            return HubTwinDocument.contentValue(of: twin, at: QueryPath(Array(rest))) ?? .undefined
        default:
            guard rest.isEmpty else { return .undefined }
            if let text = systemValue(first) { return .value(.string(text)) }
            return applicationValue(first)
        }
    }

    /// The system property a `$`-name stands for (§2.3), nil for any other name.
    private func systemValue(_ name: String) -> String? {
        switch name {
        case "$contentType": return event.message.systemProperty("$.ct")
        case "$contentEncoding": return event.message.systemProperty("$.ce")
        case "$connectionDeviceId": return event.deviceID
        case "$connectionModuleId": return event.moduleID
        case "$enqueuedTime": return enqueuedTime.iso8601
        case "$messageId": return event.message.systemProperty("$.mid")
        case "$correlationId": return event.message.systemProperty("$.cid")
        case "$userId": return event.message.systemProperty("$.uid")
        case "$dt-dataschema": return event.message.systemProperty("$.dt-dataschema") ?? event.message.systemProperty("dt-dataschema")
        case "$dt-subject": return event.message.systemProperty("$.sub") ?? event.message.systemProperty("dt-subject")
        default: return nil
        }
    }

    /// The application property `name` (case-insensitive, §2.3); for a `$name` that is no
    /// system property, the property spelled with the `$`, else without it.
    private func applicationValue(_ name: String) -> QueryValue {
        if let value = applicationProperty(name.utf8) { return .value(.string(value)) }
        let utf8 = name.utf8
        guard utf8.first == UInt8(ascii: "$") else { return .undefined }
        return applicationProperty(utf8.dropFirst()).map { .value(.string($0)) } ?? .undefined
    }

    private func applicationProperty<Name: Collection<UInt8>>(_ wanted: Name) -> String? {
        for property in event.message.applicationProperties where Self.equalsIgnoringASCIICase(property.name.utf8, wanted) {
            return property.value ?? ""
        }
        return nil
    }

    private static func equalsIgnoringASCIICase<Name: Collection<UInt8>>(_ lhs: String.UTF8View, _ rhs: Name) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
