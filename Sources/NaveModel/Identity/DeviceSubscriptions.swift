/// The IoT Hub topics a device may subscribe to (contract §1.6), as a small set.
public struct DeviceSubscriptions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `devices/{d}/messages/devicebound/#` (or a module's `…/inputs/#`).
    public static let cloudToDevice = DeviceSubscriptions(rawValue: 1 << 0)
    /// `$iothub/methods/POST/#`.
    public static let methods = DeviceSubscriptions(rawValue: 1 << 1)
    /// `$iothub/twin/res/#`.
    public static let twinResponses = DeviceSubscriptions(rawValue: 1 << 2)
    /// `$iothub/twin/PATCH/properties/desired/#`.
    public static let desiredPatches = DeviceSubscriptions(rawValue: 1 << 3)
}
