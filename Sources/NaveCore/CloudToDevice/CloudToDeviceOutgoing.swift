import NaveModel

/// Turns what a back end sends into the message a device's queue keeps (pure: the caller
/// passes the time and a fresh message id). The rules, from contract §1.8 and §5.3:
///
/// - System properties are the bag keys `$.mid`, `$.cid`, `$.uid`, `$.ct`, `$.ce`, `$.exp`;
///   any other `$.` key is refused. `$.to` is always `/devices/{id}/messages/deviceBound`
///   (what the sender gave is replaced). They are kept in that order, `$.to` second, as the
///   contract's example bag has them.
/// - `$.mid` is generated when absent, and must follow IoT Hub's id rule (1–128 ASCII letters,
///   digits and `-:.+%_#*?!(),=@;$'`).
/// - `iothub-ack` (an application property on AMQP, accepted among either list) becomes the
///   message's `ack`, none|positive|negative|full, and leaves the property lists.
/// - The expiry is `$.exp` (ISO 8601), else now + `ttlSeconds`, else now + the default TTL;
///   never later than now + the maximum TTL. `$.exp` is rendered only when the sender set an
///   expiry, as IoT Hub does. An expiry already past is refused.
/// - The body is at most `bodyBytesMax` (413001); the encoded bag at most `propertyBagBytesMax`.
enum CloudToDeviceOutgoing {
    struct Prepared: Equatable {
        var message: DeviceMessage
        var ack: CloudToDeviceAck
        var expiryTime: Timestamp
    }

    static let systemKeys = ["$.mid", "$.cid", "$.uid", "$.ct", "$.ce", "$.exp"]

    /// `/devices/{id}/messages/deviceBound`, the `$.to` of every C2D message.
    static func destination(deviceID: String) -> String { "/devices/\(deviceID)/messages/deviceBound" }

    static func prepare(_ message: DeviceMessage, deviceID: String, now: Timestamp, ttlSeconds: Int?,
                        limits: CloudToDeviceLimits, newMessageID: () -> String) throws(HubError) -> Prepared {
        guard message.body.count <= limits.bodyBytesMax else {
            throw .messageTooLarge(sizeBytes: message.body.count, sizeBytesMax: limits.bodyBytesMax)
        }
        var ack = CloudToDeviceAck.none
        var given: [String: String] = [:]
        for property in message.systemProperties + message.applicationProperties where property.name == CloudToDeviceAck.propertyName {
            guard let value = property.value, let parsed = CloudToDeviceAck(rawValue: value) else {
                throw .argumentInvalid("iothub-ack must be none, positive, negative or full.")
            }
            ack = parsed
        }
        for property in message.systemProperties where property.name != CloudToDeviceAck.propertyName && property.name != "$.to" {
            guard systemKeys.contains(property.name) else { throw .argumentInvalid("Unknown system property '\(property.name)'.") }
            guard let value = property.value else { throw .argumentInvalid("System property '\(property.name)' needs a value.") }
            given[property.name] = value
        }
        let messageID = given["$.mid"] ?? newMessageID()
        guard IdentityID.isValid(messageID) else {
            throw .argumentInvalid("messageId must be 1 to 128 ASCII letters, digits or any of - : . + % _ # * ? ! ( ) , = @ ; $ '.")
        }
        let expiry = try expiryTime(given["$.exp"], now: now, ttlSeconds: ttlSeconds, limits: limits)

        var system = [MessageProperty("$.mid", messageID), MessageProperty("$.to", destination(deviceID: deviceID))]
        for key in ["$.cid", "$.uid", "$.ct", "$.ce"] {
            if let value = given[key] { system.append(MessageProperty(key, value)) }
        }
        if given["$.exp"] != nil || ttlSeconds != nil { system.append(MessageProperty("$.exp", expiry.iso8601)) }
        let application = message.applicationProperties.filter { $0.name != CloudToDeviceAck.propertyName }
        for property in application where property.name.isEmpty || property.name.hasPrefix("$.") {
            throw .argumentInvalid("Application property '\(property.name)' has a reserved or empty name.")
        }
        let prepared = DeviceMessage(body: message.body, systemProperties: system, applicationProperties: application)
        let bagBytes = PropertyBag.encodedByteCount(system: prepared.systemProperties, application: prepared.applicationProperties)
        guard bagBytes <= limits.propertyBagBytesMax else {
            throw .argumentInvalid("The message properties take \(bagBytes) bytes encoded; the limit is \(limits.propertyBagBytesMax).")
        }
        return Prepared(message: prepared, ack: ack, expiryTime: expiry)
    }

    private static func expiryTime(_ text: String?, now: Timestamp, ttlSeconds: Int?,
                                   limits: CloudToDeviceLimits) throws(HubError) -> Timestamp {
        let latest = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64(limits.timeToLiveSecondsMax) * 1000)
        if let text {
            guard let expiry = Timestamp(iso8601: text) else { throw .argumentInvalid("$.exp must be an ISO 8601 time.") }
            guard expiry > now else { throw .argumentInvalid("The message expired before it was sent.") }
            return min(expiry, latest)
        }
        if let ttlSeconds {
            guard ttlSeconds > 0 else { throw .argumentInvalid("The time to live must be positive.") }
            return min(Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64(min(ttlSeconds, Int(Int32.max))) * 1000), latest)
        }
        return Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64(limits.timeToLiveSecondsDefault) * 1000)
    }
}
