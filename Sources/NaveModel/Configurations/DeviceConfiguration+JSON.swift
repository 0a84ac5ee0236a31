/// Reading `PUT /configurations/{id}` bodies and writing the `Configuration` model (reference
/// §4.1, §4.2). Every refusal is 400004 ArgumentInvalid naming the member, before anything is
/// stored. Read-only members (`createdTimeUtc`, `lastUpdatedTimeUtc`, `etag`, `systemMetrics`,
/// `metrics.results`) are ignored: `update_configuration` sends back the whole model it holds.
public struct ConfigurationRequest: Sendable, Equatable {
    public var id: String
    public var schemaVersion: String?
    public var labels: JSONObject
    /// Nil when the body has no `content` (an update then keeps the stored one).
    public var content: ConfigurationContent?
    public var targetCondition: String
    public var priority: Int
    public var metricQueries: JSONObject

    public init(id: String, schemaVersion: String? = nil, labels: JSONObject = JSONObject(), content: ConfigurationContent?,
                targetCondition: String, priority: Int, metricQueries: JSONObject = JSONObject()) {
        self.id = id
        self.schemaVersion = schemaVersion
        self.labels = labels
        self.content = content
        self.targetCondition = targetCondition
        self.priority = priority
        self.metricQueries = metricQueries
    }

    /// Reads `json` for the configuration at path `pathID`. The path id is authoritative: a
    /// body `id` that differs is refused.
    public init(json: JSONValue, pathID: String) throws(HubError) {
        guard DeviceConfiguration.isValidID(pathID) else {
            throw .argumentInvalid("The configuration id must be 1 to \(DeviceConfiguration.idLengthMax) lowercase letters, digits "
                                   + "or - + % _ * ! ' characters.")
        }
        let fields = try JSONFieldReader(json)
        if let bodyID = try fields.string("id"), bodyID != pathID {
            throw .argumentInvalid("id in the body differs from the configuration id in the path.")
        }
        let schemaVersion = try fields.string("schemaVersion")
        if let schemaVersion, schemaVersion.utf8.count > DeviceConfiguration.schemaVersionBytesMax {
            throw .argumentInvalid("schemaVersion has more than \(DeviceConfiguration.schemaVersionBytesMax) bytes.")
        }
        let condition = try fields.string("targetCondition") ?? ""
        guard condition.utf8.count <= DeviceConfiguration.queryBytesMax else {
            throw .argumentInvalid("targetCondition has more than \(DeviceConfiguration.queryBytesMax) bytes.")
        }
        let priority = try fields.integer("priority") ?? 0
        guard (0...Int64(Int32.max)).contains(priority) else {
            throw .argumentInvalid("priority must be 0...\(Int32.max).")
        }
        self.init(id: pathID, schemaVersion: schemaVersion, labels: try Self.labels(fields),
                  content: try fields.reader("content").map { reader throws(HubError) in try ConfigurationContent(reader) },
                  targetCondition: condition, priority: Int(priority), metricQueries: try Self.metricQueries(fields))
    }

    private static func labels(_ fields: JSONFieldReader) throws(HubError) -> JSONObject {
        guard let labels = try fields.object("labels") else { return JSONObject() }
        guard labels.count <= DeviceConfiguration.labelsMax else {
            throw .argumentInvalid("labels has \(labels.count) members; at most \(DeviceConfiguration.labelsMax) are allowed.")
        }
        for (name, value) in labels {
            guard case .string(let text) = value, name.utf8.count <= DeviceConfiguration.labelBytesMax,
                  text.utf8.count <= DeviceConfiguration.labelBytesMax
            else {
                throw .argumentInvalid("labels must map names to strings, each at most \(DeviceConfiguration.labelBytesMax) bytes.")
            }
        }
        return labels
    }

    private static func metricQueries(_ fields: JSONFieldReader) throws(HubError) -> JSONObject {
        guard let queries = try fields.reader("metrics")?.object("queries") else { return JSONObject() }
        guard queries.count <= DeviceConfiguration.customMetricsMax else {
            throw .argumentInvalid("metrics.queries has \(queries.count) queries; at most \(DeviceConfiguration.customMetricsMax) "
                                   + "custom metrics are allowed.")
        }
        for (name, value) in queries {
            guard !name.isEmpty, name.utf8.count <= DeviceConfiguration.metricNameBytesMax else {
                throw .argumentInvalid("metrics.queries names must be 1 to \(DeviceConfiguration.metricNameBytesMax) bytes.")
            }
            guard case .string(let query) = value, query.utf8.count <= DeviceConfiguration.queryBytesMax else {
                throw .argumentInvalid("metrics.queries.\(name) must be a query of at most \(DeviceConfiguration.queryBytesMax) bytes.")
            }
        }
        return queries
    }
}

extension ConfigurationContent {
    /// Reads a stored or sent `content` object (see `init(_:)`).
    public init(json: JSONValue) throws(HubError) {
        try self.init(JSONFieldReader(json, path: "content."))
    }

    /// `content` (§4.2): exactly one of `deviceContent` or `moduleContent`, each key a path
    /// under `properties.desired` whose names are valid twin keys, the whole checked by the
    /// twin rules for desired properties as the patch it would be. `modulesContent` (IoT Edge
    /// deployments) is refused: Nave applies no deployments.
    init(_ fields: JSONFieldReader) throws(HubError) {
        if fields.value("modulesContent").map({ $0.objectValue?.isEmpty != true }) ?? false {
            throw .argumentInvalid("content.modulesContent (IoT Edge deployments) is not supported; use deviceContent or "
                                   + "moduleContent.")
        }
        let device = try fields.object(Scope.devices.rawValue)
        let module = try fields.object(Scope.modules.rawValue)
        if let device, let module, !device.isEmpty, !module.isEmpty {
            throw .argumentInvalid("content has both deviceContent and moduleContent; a configuration has one.")
        }
        let scope: Scope = (module?.isEmpty == false) ? .modules : .devices
        let entries = (scope == .modules ? module : device) ?? JSONObject()
        guard entries.count <= Self.settingsMax else {
            throw .argumentInvalid("content.\(scope.rawValue) has \(entries.count) entries; at most \(Self.settingsMax) are allowed.")
        }
        var settings: [ConfigurationSetting] = []
        for (key, value) in entries {
            settings.append(try ConfigurationSetting(key: key, value: value, scope: scope))
        }
        self.init(scope: scope, settings: settings)
    }
}

extension ConfigurationSetting {
    /// `properties.desired.a.b` → value; the names after the prefix must be valid twin keys, at
    /// most `TwinRules.depthMax` of them, and the value must pass the desired section's rules.
    init(key: String, value: JSONValue, scope: ConfigurationContent.Scope) throws(HubError) {
        let prefix = ConfigurationContent.desiredPrefix
        guard key.hasPrefix(prefix) else {
            throw .argumentInvalid("content.\(scope.rawValue) keys must start with '\(prefix)'.")
        }
        let names = key.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard names.count <= TwinRules.depthMax, names.allSatisfy(TwinRules.isValidKey) else {
            throw .argumentInvalid("content.\(scope.rawValue) has a key that does not name a desired property "
                                   + "(at most \(TwinRules.depthMax) valid property names after '\(prefix)').")
        }
        self.init(path: names, value: value)
        try TwinRules.validatePatch(patch, section: .desired)
    }

    /// The setting as a desired-properties merge patch: `{"a":{"b":value}}`.
    public var patch: JSONObject {
        var value = self.value
        for name in path.dropFirst().reversed() { value = .object([name: value]) }
        return [path[0]: value]
    }
}

extension DeviceConfiguration {
    /// A configuration created from `request` at `now` (its content required: nil is empty).
    public init(creating request: ConfigurationRequest, at now: Timestamp) {
        self.init(id: request.id, schemaVersion: request.schemaVersion ?? "1.0", labels: request.labels,
                  content: request.content ?? ConfigurationContent(scope: .devices, settings: []),
                  targetCondition: request.targetCondition, priority: request.priority,
                  metricQueries: request.metricQueries, createdTime: now)
    }

    /// This configuration after `request` as an update at `now`: only the target condition,
    /// labels, priority and metric queries change (§4.3); different content is refused.
    public func updated(by request: ConfigurationRequest, at now: Timestamp) throws(HubError) -> DeviceConfiguration {
        if let content = request.content, content != self.content {
            throw .argumentInvalid("The content of configuration '\(id)' cannot change; only targetCondition, labels, "
                                   + "priority and metrics can. Create a new configuration instead.")
        }
        var next = self
        next.labels = request.labels
        next.targetCondition = request.targetCondition
        next.priority = request.priority
        next.metricQueries = request.metricQueries
        next.lastUpdatedTime = now
        next.version += 1
        return next
    }

    /// The REST `Configuration` (§4.2) with the metrics' current results. Results are integers
    /// (msrest reads them as `{long}`).
    public func json(metrics: ConfigurationMetrics) -> JSONValue {
        .object(JSONObject([
            ("id", .string(id)), ("schemaVersion", .string(schemaVersion)), ("labels", .object(labels)),
            ("content", content.json), ("targetCondition", .string(targetCondition)),
            ("createdTimeUtc", .string(createdTime.iso8601)), ("lastUpdatedTimeUtc", .string(lastUpdatedTime.iso8601)),
            ("priority", .integer(Int64(priority))),
            ("systemMetrics", Self.metricsJSON(results: metrics.system, queries: metrics.systemQueries)),
            ("metrics", Self.metricsJSON(results: metrics.custom, queries: metricQueries)),
            ("etag", .string(etag)),
        ]))
    }

    private static func metricsJSON(results: [(String, Int64)], queries: JSONObject) -> JSONValue {
        .object(JSONObject([
            ("results", .object(JSONObject(results.map { ($0.0, .integer($0.1)) }))), ("queries", .object(queries)),
        ]))
    }
}

/// A configuration's metrics as computed when it is read (§4.3): `targetedCount` and
/// `appliedCount` with the queries that count them, and each custom metric's row count.
public struct ConfigurationMetrics: Sendable {
    public var system: [(String, Int64)]
    public var systemQueries: JSONObject
    public var custom: [(String, Int64)]

    public init(system: [(String, Int64)] = [], systemQueries: JSONObject = JSONObject(), custom: [(String, Int64)] = []) {
        self.system = system
        self.systemQueries = systemQueries
        self.custom = custom
    }
}
