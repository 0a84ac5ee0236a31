/// Who a connection authenticated as: a device, or one of its modules.
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    public var deviceID: String
    public var moduleID: String?

    public init(deviceID: String, moduleID: String? = nil) {
        self.deviceID = deviceID
        self.moduleID = moduleID
    }

    /// `dev1` or `dev1/mod1`, the MQTT client id form.
    public var description: String { moduleID.map { "\(deviceID)/\($0)" } ?? deviceID }
}
