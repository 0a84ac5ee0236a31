import Logging
import Synchronization

/// The log level in force, changeable while the node runs (SIGHUP reads `log.level` again):
/// swift-log fixes a handler's level when the logger is made, so handlers made through
/// `LevelControlledLogHandler` ask this shared value at every call instead.
public final class RuntimeLogLevel: Sendable {
    private static let levels = Logger.Level.allCases
    private let current: Atomic<Int>

    public init(_ level: Logger.Level) {
        current = Atomic(Self.levels.firstIndex(of: level) ?? 0)
    }

    public var level: Logger.Level {
        get { Self.levels[current.load(ordering: .relaxed)] }
        set { current.store(Self.levels.firstIndex(of: newValue) ?? 0, ordering: .relaxed) }
    }
}

/// A log handler whose level is a `RuntimeLogLevel`; everything else (format, destination,
/// metadata) is the wrapped handler's.
public struct LevelControlledLogHandler<Wrapped: LogHandler>: LogHandler {
    public var wrapped: Wrapped
    public let control: RuntimeLogLevel
    /// A level set on one logger (`logger.logLevel = …`) stays that logger's; it never moves
    /// the shared one.
    private var ownLevel: Logger.Level?

    public init(_ wrapped: Wrapped, control: RuntimeLogLevel) {
        self.wrapped = wrapped
        self.control = control
    }

    public var logLevel: Logger.Level {
        get { ownLevel ?? control.level }
        set { ownLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        // The wrapped handler filters on its own level too: keep it open, this one decides.
        wrapped.log(event: event)
    }
}
