/// The live fields of a rendered device or module (contract §4.3) that are not part of its
/// identity: the hub tracks them outside the registry (`NaveCore` presence) and passes them in
/// when it renders `Device` or `Module` JSON.
public struct PresenceFields: Sendable, Equatable {
    /// Rendered as `connectionState`: "Connected" or "Disconnected".
    public var isConnected: Bool
    public var connectionStateUpdatedTime: Timestamp
    public var lastActivityTime: Timestamp
    /// C2D messages queued for the identity.
    public var cloudToDeviceMessageCount: Int

    public init(isConnected: Bool = false, connectionStateUpdatedTime: Timestamp = .never,
                lastActivityTime: Timestamp = .never, cloudToDeviceMessageCount: Int = 0) {
        self.isConnected = isConnected
        self.connectionStateUpdatedTime = connectionStateUpdatedTime
        self.lastActivityTime = lastActivityTime
        self.cloudToDeviceMessageCount = cloudToDeviceMessageCount
    }

    /// Never connected, nothing queued: what a new identity renders with.
    public static let disconnected = PresenceFields()

    /// IoT Hub's `connectionState` text.
    public var connectionState: String { isConnected ? "Connected" : "Disconnected" }
}
