/// One property of a message: IoT Hub's system properties (`$.mid`, `$.cid`, …) and
/// application properties are ordered string pairs; a property may have no value.
public struct MessageProperty: Sendable, Hashable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }
}

/// A message between a device and the hub — telemetry (D2C) or a cloud-to-device message —
/// as IoT Hub carries it: a body and two ordered property lists.
public struct DeviceMessage: Sendable, Hashable {
    public var body: [UInt8]
    /// `$.mid`, `$.cid`, `$.uid`, `$.ct`, `$.ce`, `$.exp`, `$.on`, … by their bag keys.
    public var systemProperties: [MessageProperty]
    public var applicationProperties: [MessageProperty]

    public init(body: [UInt8], systemProperties: [MessageProperty] = [], applicationProperties: [MessageProperty] = []) {
        self.body = body
        self.systemProperties = systemProperties
        self.applicationProperties = applicationProperties
    }

    /// The value of system property `key` (`"$.mid"`).
    public func systemProperty(_ key: String) -> String? {
        systemProperties.first { $0.name == key }?.value ?? nil
    }

    /// The message's size as IoT Hub counts it against its limits: body, and every property's
    /// name and value, in bytes.
    public var sizeBytes: Int {
        var total = body.count
        for property in systemProperties { total += property.name.utf8.count + (property.value?.utf8.count ?? 0) }
        for property in applicationProperties { total += property.name.utf8.count + (property.value?.utf8.count ?? 0) }
        return total
    }

    /// Largest telemetry body IoT Hub accepts (contract §8).
    public static let telemetryBodyBytesMax = 256 * 1024
    /// Largest cloud-to-device body (contract §8).
    public static let cloudToDeviceBodyBytesMax = 64 * 1024

    /// IoT Hub's size rule for a device's telemetry, whatever protocol it came by: 413 over
    /// `telemetryBodyBytesMax`.
    public static func admitTelemetry(bodyBytes: Int) throws(HubError) {
        guard bodyBytes <= telemetryBodyBytesMax else {
            throw .messageTooLarge(sizeBytes: bodyBytes, sizeBytesMax: telemetryBodyBytesMax)
        }
    }
}
