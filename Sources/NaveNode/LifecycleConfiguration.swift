import Configuration
import NaveLimits

/// How the node stops (issue #16): on SIGTERM (or `gracefulShutdown()` in a `ServiceGroup`) it
/// stops accepting, reports not-ready, and gives connected clients `drainGraceSeconds` to
/// finish and leave before their connections are closed and the hub is flushed. Keys under
/// `lifecycle.` (`Tuning/reference.yaml`).
public struct LifecycleConfiguration: Sendable, Equatable {
    /// Longest a drain waits for clients to leave on their own (seconds); then they are closed.
    /// 0 closes them at once (after their queued output). 0...600, below systemd's default
    /// `TimeoutStopSec` (90 s) at the default.
    public var drainGraceSeconds = 10
    /// The largest drain grace accepted (seconds).
    public static let drainGraceSecondsMax = 600

    public init() {}

    mutating func read(_ reader: ConfigReader) {
        let lifecycle = reader.scoped(to: "lifecycle")
        drainGraceSeconds = lifecycle.int(forKey: "drainGraceSeconds", default: drainGraceSeconds)
    }

    public func validate() throws {
        try ConfigurationRules().require((0...Self.drainGraceSecondsMax).contains(drainGraceSeconds),
                                         "lifecycle.drainGraceSeconds must be 0...\(Self.drainGraceSecondsMax) (is \(drainGraceSeconds))")
    }
}
