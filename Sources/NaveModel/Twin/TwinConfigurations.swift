/// What automatic device configurations (reference §4.3) did to one twin: the status of each
/// configuration that targets it, shown as `configurations.{id}.status` in the REST twin and
/// queryable as `configurations.[[id]].status`, and which configuration's value each desired
/// path holds — so that when a configuration stops applying (the twin is retagged, or the
/// configuration deleted) exactly its paths are reverted, even after it is gone.
public struct TwinConfigurations: Sendable, Equatable {
    /// `targeted`: the twin matches the target condition, but higher-priority configurations
    /// set every path it sets; `applied`: at least one of its values is in the twin
    /// (C#: ConfigurationStatus, whose wire words are lowercase).
    public enum Status: String, Sendable, CaseIterable {
        case targeted, applied
    }

    /// Configuration id → status, for every configuration whose target condition the twin meets.
    public var statuses: [String: Status]
    /// Desired path, dotted (`fw.version`) → the id of the configuration whose value is there.
    public var appliedPaths: [String: String]

    public init(statuses: [String: Status] = [:], appliedPaths: [String: String] = [:]) {
        self.statuses = statuses
        self.appliedPaths = appliedPaths
    }

    public var isEmpty: Bool { statuses.isEmpty && appliedPaths.isEmpty }

    /// The REST twin's `configurations` member: `{"<id>":{"status":"applied"},…}`, by id.
    public var json: JSONValue {
        .object(JSONObject(statuses.sorted { $0.key < $1.key }.map { ($0.key, .object(["status": .string($0.value.rawValue)])) }))
    }
}
