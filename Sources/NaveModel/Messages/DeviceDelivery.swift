/// What the hub sends to a connected device, protocol-neutral; each device adapter (MQTT,
/// later AMQP) renders it on its own wire. Deliveries go through `LiveConnection.deliver`.
public enum DeviceDelivery: Sendable, Equatable {
    /// A direct-method call; the device answers through the hub with the same id.
    case methodRequest(MethodRequest)
    /// A desired-properties change: the patch as applied, with `"$version"` in it.
    case desiredPropertiesPatch(version: Int64, body: [UInt8])
    /// A cloud-to-device message, completed by the device's acknowledgement (lock token).
    case cloudToDevice(CloudToDeviceDelivery)
}

public struct MethodRequest: Sendable, Equatable {
    public var name: String
    /// The request id the device echoes (`$rid`).
    public var requestID: String
    /// The method payload as JSON text.
    public var payload: [UInt8]

    public init(name: String, requestID: String, payload: [UInt8]) {
        self.name = name
        self.requestID = requestID
        self.payload = payload
    }
}

public struct CloudToDeviceDelivery: Sendable, Equatable {
    /// Identifies this delivery attempt; the device's acknowledgement names it.
    public var lockToken: String
    public var message: DeviceMessage

    public init(lockToken: String, message: DeviceMessage) {
        self.lockToken = lockToken
        self.message = message
    }
}
