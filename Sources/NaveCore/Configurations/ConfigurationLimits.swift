/// The bounds of automatic device configurations, with their units in their names (STYLE
/// habit 4); `configurations.*` in `Tuning/reference.yaml`. The per-configuration bounds (id
/// length, custom metrics, labels, settings) are IoT Hub's or fixed by Nave, on `DeviceConfiguration`.
public struct ConfigurationLimits: Sendable, Equatable {
    /// Configurations a hub holds at most; one more is refused with 403 (IoT Hub: 100 on a
    /// paid hub, 10 or 20 on the free tier, reference §4.3). Each one is evaluated on every
    /// change of a twin's tags or reported properties.
    public var configurationsMax = 100

    public init() {}

    /// The range `configurationsMax` may take.
    public static let configurationsMaxRange = 1...1_000

    /// Why these limits cannot be used, or nil when they can.
    public var invalidReason: String? {
        guard Self.configurationsMaxRange.contains(configurationsMax) else {
            return "configurations.configurationsMax must be \(Self.configurationsMaxRange.lowerBound)..."
                + "\(Self.configurationsMaxRange.upperBound)"
        }
        return nil
    }
}
