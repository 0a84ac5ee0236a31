/// A point in wall-clock time, milliseconds since the Unix epoch (UTC). Hub code reads it from
/// an injected clock, never from the system directly, so tests can run on a manual clock.
public struct Timestamp: Sendable, Hashable, Comparable {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }
    public init(secondsSinceEpoch: Int64) { millisecondsSinceEpoch = secondsSinceEpoch * 1000 }

    public var secondsSinceEpoch: Int64 { millisecondsSinceEpoch / 1000 }

    /// IoT Hub's "never": `0001-01-01T00:00:00Z` when rendered.
    public static let never = Timestamp(millisecondsSinceEpoch: Int64.min)

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }
}
