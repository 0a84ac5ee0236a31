import NaveEncoding
import NaveModel

/// The JSON an external endpoint receives for one routed message (issue #15, webhook):
/// `{"deviceId","moduleId","enqueuedTimeUtc","systemProperties","applicationProperties","body"}`
/// — `body` the JSON value itself when the message is JSON in a UTF encoding (§2.3's rule),
/// otherwise its base64 text with `"bodyEncoding":"base64"`.
public enum RoutedMessageEnvelope {
    public static func json(_ record: EventRecord) -> JSONValue {
        var object = JSONObject([
            ("deviceId", .string(record.deviceID)), ("moduleId", record.moduleID.map(JSONValue.string) ?? .null),
            ("enqueuedTimeUtc", .string(record.enqueuedTime.iso8601)),
            ("systemProperties", .object(JSONObject(record.systemProperties.map { ($0.key, JSONValue.string($0.value)) }))),
            ("applicationProperties", .object(JSONObject(record.applicationProperties.map { ($0.key, JSONValue.string($0.value)) }))),
        ])
        let message = DeviceMessage(body: record.body, systemProperties: [
            MessageProperty("$.ct", record.systemProperties.first { $0.key == EventSystemProperty.contentType }?.value),
            MessageProperty("$.ce", record.systemProperties.first { $0.key == EventSystemProperty.contentEncoding }?.value),
        ])
        if let body = RoutingBody.json(of: message) {
            object["body"] = body
        } else {
            object["body"] = .string(Base64.encode(record.body))
            object["bodyEncoding"] = .string("base64")
        }
        return .object(object)
    }
}
