import NaveCore
import NaveEncoding
import NaveHTTP
import NaveModel

/// How IoT Hub's HTTPS device API carries a message's properties in headers (the device
/// SDKs' HTTP transport: `iothub-messageid`, `iothub-app-{name}`, …). System properties map
/// to the bag keys the hub uses everywhere else (`$.mid`, …).
enum DeviceMessageHeaders {
    /// Header → system property, in the order they are read.
    static let systemHeaders: [(header: String, key: String)] = [
        ("iothub-messageid", "$.mid"), ("iothub-correlationid", "$.cid"), ("iothub-userid", "$.uid"),
        ("iothub-contenttype", "$.ct"), ("iothub-contentencoding", "$.ce"), ("iothub-expiry", "$.exp"),
    ]
    static let applicationPrefix = "iothub-app-"

    /// A telemetry message from a request: system properties from the `iothub-*` headers
    /// (`Content-Type` stands in for a missing `iothub-contenttype`, unless it only says the
    /// body is bytes), application properties from `iothub-app-*`, in the order sent.
    static func telemetry(_ headers: HTTPHeaders, body: [UInt8]) -> DeviceMessage {
        var system: [MessageProperty] = []
        for (header, key) in systemHeaders {
            if let value = headers[header] { system.append(MessageProperty(key, value)) }
        }
        if headers["iothub-contenttype"] == nil, let type = headers["Content-Type"], type.lowercased() != "application/octet-stream" {
            system.append(MessageProperty("$.ct", type))
        }
        var application: [MessageProperty] = []
        for field in headers where field.name.count > applicationPrefix.count && field.name.lowercased().hasPrefix(applicationPrefix) {
            application.append(MessageProperty(String(field.name.dropFirst(applicationPrefix.count)), field.value))
        }
        return DeviceMessage(body: body, systemProperties: system, applicationProperties: application)
    }

    /// The headers of a C2D message handed to an HTTP receive: the lock token as `ETag`
    /// (quoted), the delivery metadata, the system properties, `iothub-ack`, and each
    /// application property as `iothub-app-{name}`.
    ///
    /// A header can carry neither a name that is not an HTTP token nor a value with control
    /// characters; those are percent-encoded (`quote(safe="")`, as the MQTT bag does).
    static func cloudToDevice(_ locked: LockedCloudToDeviceMessage) -> HTTPHeaders {
        let queued = locked.queued
        var headers: HTTPHeaders = [
            "ETag": "\"\(locked.lockToken)\"",
            "iothub-sequencenumber": String(queued.sequenceNumber),
            "iothub-enqueuedtime": queued.enqueuedTime.iso8601,
            "iothub-deliverycount": String(queued.deliveryCount),
            "iothub-expiry": queued.expiryTime.iso8601,
        ]
        let message = locked.message
        if let to = message.systemProperty("$.to") { headers.add(name: "iothub-to", value: fieldValue(to)) }
        for (header, key) in systemHeaders where key != "$.exp" {
            if let value = message.systemProperty(key) { headers.add(name: header, value: fieldValue(value)) }
        }
        if let ack = message.systemProperty(CloudToDeviceAck.propertyName) { headers.add(name: CloudToDeviceAck.propertyName, value: ack) }
        headers.add(name: "Content-Type", value: message.systemProperty("$.ct").map(fieldValue) ?? "application/octet-stream")
        for property in message.applicationProperties {
            headers.add(name: applicationPrefix + fieldName(property.name), value: fieldValue(property.value ?? ""))
        }
        return headers
    }

    /// `name` when it is an HTTP token (RFC 9110 §5.6.2), else percent-encoded (which is one).
    static func fieldName(_ name: String) -> String {
        let token = "!#$%&'*+-.^_`|~"
        let isToken = !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || token.unicodeScalars.contains(scalar))
        }
        return isToken ? name : PercentEncoding.encode(name, safe: "")
    }

    /// `value` when every byte may appear in a field value (RFC 9110 §5.5), else percent-encoded.
    static func fieldValue(_ value: String) -> String {
        let allowed = value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
        // Receivers trim whitespace around a value (RFC 9110 §5.5): encode it to keep it.
        let trimmed = [value.utf8.first, value.utf8.last].allSatisfy { $0 != 0x20 && $0 != 0x09 }
        return allowed && trimmed ? value : PercentEncoding.encode(value, safe: "")
    }
}
