import Glibc
import Logging
import NaveCore
import NaveModel
import Synchronization

/// `log.format: json` (issue #16): one JSON object per line for log collectors, with `time`
/// (RFC 3339, UTC, milliseconds), `level`, `label`, `message`, then the metadata's keys
/// (a metadata key named like one of those four is written as `metadata.<key>`). Lines go to a
/// `LogLineSink` (standard error in a node, a buffer in tests), whole, one write each.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    let label: String
    let clock: any HubClock
    let sink: any LogLineSink

    public init(label: String, clock: any HubClock = SystemClock(), sink: any LogLineSink = StandardErrorSink()) {
        self.label = label
        self.clock = clock
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        sink.write(Self.line(time: clock.now(), level: event.level, label: label, message: "\(event.message)", metadata: merged))
    }

    static let reservedKeys: Set<String> = ["time", "level", "label", "message"]

    /// The line's text (no newline): the fixed fields first, then the metadata sorted by key.
    static func line(time: Timestamp, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var members: [(String, JSONValue)] = [
            ("time", .string(time.iso8601)), ("level", .string(level.rawValue)), ("label", .string(label)), ("message", .string(message)),
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            members.append((reservedKeys.contains(key) ? "metadata.\(key)" : key, json(value)))
        }
        return JSONValue.object(JSONObject(members)).serializedString()
    }

    /// Metadata values as JSON: strings and string-convertibles as strings, arrays and
    /// dictionaries as arrays and objects, at most `metadataDepthMax` deep (then as text).
    static func json(_ value: Logger.Metadata.Value, depth: Int = 0) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let items) where depth < metadataDepthMax: return .array(items.map { json($0, depth: depth + 1) })
        case .dictionary(let entries) where depth < metadataDepthMax:
            return .object(JSONObject(entries.sorted { $0.key < $1.key }.map { ($0.key, json($0.value, depth: depth + 1)) }))
        case .array, .dictionary: return .string(value.description)
        }
    }

    /// Nesting of metadata written as JSON (log metadata is the node's own, but bounded anyway).
    static let metadataDepthMax = 8
}

/// Where finished log lines go.
public protocol LogLineSink: Sendable {
    /// Writes `line` and a newline at once.
    func write(_ line: String)
}

/// Standard error, one `write(2)` per line so lines from several threads never interleave.
public struct StandardErrorSink: LogLineSink {
    public init() {}

    public func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// Lines kept in memory (tests assert on what was logged).
public final class CapturedLogLines: LogLineSink {
    private let lines = Mutex<[String]>([])

    public init() {}

    public func write(_ line: String) { lines.withLock { $0.append(line) } }

    public var all: [String] { lines.withLock { $0 } }
}

extension LogConfiguration {
    /// The handler factory for `LoggingSystem.bootstrap`: this configuration's format, the
    /// level `control` decides (SIGHUP may change it).
    public func makeHandler(label: String, control: RuntimeLogLevel) -> any LogHandler {
        switch format {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .trace
            return LevelControlledLogHandler(handler, control: control)
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = .trace
            return LevelControlledLogHandler(handler, control: control)
        }
    }
}
