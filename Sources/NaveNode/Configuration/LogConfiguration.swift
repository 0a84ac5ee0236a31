import Logging

/// The log's keys (`log.*`, Tuning/reference.yaml): its level, and whether lines are text for
/// people or JSON objects for collectors (issue #16).
public struct LogConfiguration: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        /// swift-log's stream format: `2026-12-07T16:52:39+0000 info nave : message`.
        case text
        /// One JSON object per line: `time`, `level`, `label`, `message` and the metadata.
        case json
    }

    public var level: Logger.Level = .info
    public var format: Format = .text

    public init() {}

    mutating func read(_ log: ConfigurationReader) {
        level = log.choice(forKey: "level", default: level, among: Logger.Level.allCases)
        format = log.choice(forKey: "format", default: format, among: Format.allCases)
    }
}
