import NaveEncoding

/// A cloud-to-device message as a back end hands it to Nave outside AMQP: the body of Nave's
/// own REST call `POST /messages/devicebound/{deviceId}` and what `nave c2d send` builds.
///
/// ```json
/// {"body": "text", "properties": {"messageId": "m1", "iothub-ack": "full", "color": "red"}, "ttlSeconds": 60}
/// ```
///
/// `body` is UTF-8 text; `bodyBase64` carries binary instead (one of the two, or neither for an
/// empty body). `properties` uses the keys of azure-iot-hub's `send_c2d_message(…, properties)`
/// (contract §5.3): `messageId`, `correlationId`, `userId`, `contentType`, `contentEncoding` and
/// `expiryTimeUtc` (milliseconds since the epoch, or ISO 8601 text) become system properties;
/// every other key, `iothub-ack` included, is an application property. `ttlSeconds` is optional.
public struct CloudToDeviceSendRequest: Sendable, Equatable {
    public var message: DeviceMessage
    public var ttlSeconds: Int?

    public init(message: DeviceMessage, ttlSeconds: Int? = nil) {
        self.message = message
        self.ttlSeconds = ttlSeconds
    }

    /// The service SDK's property keys that are system properties, with their bag keys.
    public static let systemPropertyKeys: [(service: String, bag: String)] = [
        ("messageId", "$.mid"), ("correlationId", "$.cid"), ("userId", "$.uid"),
        ("contentType", "$.ct"), ("contentEncoding", "$.ce"), ("expiryTimeUtc", "$.exp"),
    ]

    /// A message from a body and properties named as the service SDK names them. An
    /// `expiryTimeUtc` in milliseconds becomes ISO 8601 text (`$.exp` is text on every wire).
    public static func message(body: [UInt8], properties: [(name: String, value: String)]) throws(HubError) -> DeviceMessage {
        var system: [MessageProperty] = []
        var application: [MessageProperty] = []
        for property in properties {
            guard let bagKey = systemPropertyKeys.first(where: { $0.service == property.name })?.bag else {
                guard !property.name.isEmpty, !property.name.hasPrefix("$.") else {
                    throw .argumentInvalid("Property '\(property.name)' is not a valid application property name.")
                }
                application.append(MessageProperty(property.name, property.value))
                continue
            }
            var value = property.value
            if bagKey == "$.exp", let milliseconds = Int64(value) {
                value = Timestamp(millisecondsSinceEpoch: milliseconds).iso8601
            }
            system.append(MessageProperty(bagKey, value))
        }
        return DeviceMessage(body: body, systemProperties: system, applicationProperties: application)
    }

    /// Reads Nave's REST body; ArgumentInvalid names the member at fault.
    public init(json: JSONValue) throws(HubError) {
        let reader = try JSONFieldReader(json)
        let text = try reader.string("body")
        let base64 = try reader.string("bodyBase64")
        var body: [UInt8] = []
        switch (text, base64) {
        case (let text?, nil):
            body = Array(text.utf8)
        case (nil, let base64?):
            guard let decoded = Base64.decode(base64) else { throw .argumentInvalid("bodyBase64 must be base64.") }
            body = decoded
        case (nil, nil):
            break
        case (_?, _?):
            throw .argumentInvalid("Give body or bodyBase64, not both.")
        }
        var properties: [(name: String, value: String)] = []
        for (name, value) in try reader.object("properties") ?? JSONObject() {
            switch value {
            case .string(let text): properties.append((name, text))
            case .integer(let number): properties.append((name, String(number)))
            case .bool(let flag): properties.append((name, flag ? "true" : "false"))
            default: throw .argumentInvalid("properties.\(name) must be a string, an integer or a boolean.")
            }
        }
        let ttl = try reader.integer("ttlSeconds")
        guard ttl.map({ $0 > 0 && $0 <= Int64(Int32.max) }) ?? true else { throw .argumentInvalid("ttlSeconds must be a positive integer.") }
        self.init(message: try Self.message(body: body, properties: properties), ttlSeconds: ttl.map { Int($0) })
    }

    /// The REST body for this request (the CLI's `RemoteHub` sends it). Text bodies go as
    /// `body`, anything that is not UTF-8 as `bodyBase64`.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let text = String(validating: message.body, as: UTF8.self) {
            members.append(("body", .string(text)))
        } else {
            members.append(("bodyBase64", .string(Base64.encode(message.body))))
        }
        var properties = JSONObject()
        for property in message.systemProperties {
            guard let value = property.value,
                  let key = Self.systemPropertyKeys.first(where: { $0.bag == property.name })?.service else { continue }
            _ = properties.updateValue(.string(value), forKey: key)
        }
        for property in message.applicationProperties {
            _ = properties.updateValue(.string(property.value ?? ""), forKey: property.name)
        }
        members.append(("properties", .object(properties)))
        if let ttlSeconds { members.append(("ttlSeconds", .integer(Int64(ttlSeconds)))) }
        return .object(JSONObject(members))
    }
}
