import NaveModel

/// What a connected device asks of the twin service (contract §1.10).
public protocol TwinService: Sendable {
    /// The twin's properties section as the device sees it:
    /// `{"desired":{…,"$version":n},"reported":{…,"$version":m}}`.
    func deviceGetTwin(_ key: IdentityKey) async throws(HubError) -> [UInt8]
    /// Applies a reported-properties patch (JSON text); returns the new reported `$version`.
    func deviceUpdateReported(_ key: IdentityKey, patch: [UInt8]) async throws(HubError) -> Int64
}

/// How a device answers direct-method calls (contract §1.9).
public protocol MethodService: Sendable {
    /// The device answered request `requestID` with `status` and a JSON payload.
    func deviceAnswered(_ key: IdentityKey, requestID: String, status: Int, payload: [UInt8])
    /// The request could not be given to the device (not subscribed to methods, gone).
    func deviceUnreachable(_ key: IdentityKey, requestID: String)
}

/// How a device takes cloud-to-device messages (contract §1.8).
public protocol CloudToDeviceService: Sendable {
    /// The device can take messages now (it subscribed, or reconnected with its session).
    func deviceReady(_ key: IdentityKey)
    /// The device acknowledged delivery `lockToken` (MQTT PUBACK completes the message).
    func deviceCompleted(_ key: IdentityKey, lockToken: String)
    /// The device's connection ended; unacknowledged messages are redelivered later.
    func deviceGone(_ key: IdentityKey)
    /// The connection could not take delivery `lockToken` (it no longer holds the C2D
    /// subscription, or it ended): the message goes back to the queue without counting the
    /// attempt, and nothing more is pushed to that connection until it is `deviceReady` again.
    func deviceNotReady(_ key: IdentityKey, lockToken: String)
}

/// The services a hub without them answers with: 503 for device requests, nothing delivered.
public struct UnavailableDeviceServices: TwinService, MethodService, CloudToDeviceService {
    public init() {}
    public func deviceGetTwin(_ key: IdentityKey) async throws(HubError) -> [UInt8] { throw .serviceUnavailable("Twins are not available on this hub.") }
    public func deviceUpdateReported(_ key: IdentityKey, patch: [UInt8]) async throws(HubError) -> Int64 {
        throw .serviceUnavailable("Twins are not available on this hub.")
    }
    public func deviceAnswered(_ key: IdentityKey, requestID: String, status: Int, payload: [UInt8]) {}
    public func deviceUnreachable(_ key: IdentityKey, requestID: String) {}
    public func deviceReady(_ key: IdentityKey) {}
    public func deviceCompleted(_ key: IdentityKey, lockToken: String) {}
    public func deviceGone(_ key: IdentityKey) {}
    public func deviceNotReady(_ key: IdentityKey, lockToken: String) {}
}
