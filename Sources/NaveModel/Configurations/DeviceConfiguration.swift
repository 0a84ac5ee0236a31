import NaveEncoding

/// An automatic device configuration (IoT Hub ADM, reference §4.2, §4.3): content for the
/// desired properties of every twin its `targetCondition` selects, with a `priority` that
/// settles which configuration's value a twin gets where several set the same path.
///
/// Only `targetCondition`, `labels`, `priority` and the custom metric queries change after
/// creation (§4.3); the content is fixed, so a twin's applied settings can always be traced to
/// the configuration that wrote them.
public struct DeviceConfiguration: Sendable, Equatable {
    public var id: String
    public var schemaVersion: String
    /// Free-form `{name: value}` strings, in the order given.
    public var labels: JSONObject
    public var content: ConfigurationContent
    /// A twin condition (`tags.env='test'`, `*`), or for module content `FROM devices.modules
    /// WHERE …`; empty targets nothing.
    public var targetCondition: String
    /// Higher wins per path; ties go to the most recently created (§4.3).
    public var priority: Int
    /// Custom metrics: `{name: query}` (at most `customMetricsMax`), each a `SELECT` whose row
    /// count is the metric's result.
    public var metricQueries: JSONObject
    public var createdTime: Timestamp
    public var lastUpdatedTime: Timestamp
    /// One more per stored change; the etag is made from it and `createdTime`.
    public var version: Int64

    public init(id: String, schemaVersion: String = "1.0", labels: JSONObject = JSONObject(), content: ConfigurationContent,
                targetCondition: String, priority: Int, metricQueries: JSONObject = JSONObject(),
                createdTime: Timestamp, lastUpdatedTime: Timestamp? = nil, version: Int64 = 1) {
        self.id = id
        self.schemaVersion = schemaVersion
        self.labels = labels
        self.content = content
        self.targetCondition = targetCondition
        self.priority = priority
        self.metricQueries = metricQueries
        self.createdTime = createdTime
        self.lastUpdatedTime = lastUpdatedTime ?? createdTime
        self.version = version
    }

    /// The configuration's etag: base64 of `"<created ms>:<version>"`, so a configuration
    /// deleted and created again under the same id never matches an etag of the old one.
    /// Sent and compared unquoted, as `IoTHubConfigurationManager` does (§4.1).
    public var etag: String {
        Base64.encode(Array("\(createdTime.millisecondsSinceEpoch):\(version)".utf8))
    }

    /// Whether `other` wins over this one where both set a path (§4.3): higher priority, then
    /// the later creation; equal times fall to the greater id, so the order is total.
    public func isOutranked(by other: DeviceConfiguration) -> Bool {
        if priority != other.priority { return other.priority > priority }
        if createdTime != other.createdTime { return other.createdTime > createdTime }
        return other.id > id
    }

    // MARK: Limits (named, with units, STYLE habit 4)

    /// Longest id, characters (§4.3: "≤ 128 characters").
    public static let idLengthMax = 128
    /// Custom metric queries per configuration (§4.3: "up to 5").
    public static let customMetricsMax = 5
    /// Labels per configuration (Nave's bound; IoT Hub documents none).
    public static let labelsMax = 32
    /// Longest label name or value, bytes of UTF-8 (Nave's bound).
    public static let labelBytesMax = 256
    /// Longest target condition or metric query, bytes of UTF-8: the query language's own limit
    /// on a query's text (reference §1.8).
    public static let queryBytesMax = 8 * 1024
    /// Longest metric name, bytes of UTF-8 (Nave's bound).
    public static let metricNameBytesMax = 128
    /// Longest schema version, bytes of UTF-8 (Nave's bound; IoT Hub sends "1.0").
    public static let schemaVersionBytesMax = 32

    /// Characters an id may hold besides lowercase letters and digits (§4.3; digits are
    /// presumably allowed, unconfirmed: Nave allows them).
    static let idPunctuation = Set("-+%_*!'".unicodeScalars)

    /// Whether `id` is 1…`idLengthMax` of lowercase letters, digits and `- + % _ * ! '`.
    public static func isValidID(_ id: String) -> Bool {
        var count = 0
        for scalar in id.unicodeScalars {
            count += 1
            guard count <= idLengthMax else { return false }
            let isLower = ("a"..."z").contains(scalar)
            let isDigit = ("0"..."9").contains(scalar)
            guard isLower || isDigit || idPunctuation.contains(scalar) else { return false }
        }
        return count > 0
    }
}

/// What a configuration writes (§4.2, §4.3): `properties.desired.<path>` → value, for device
/// twins (`deviceContent`) or module twins (`moduleContent`). IoT Edge's `modulesContent`
/// (deployments) is not a configuration Nave applies.
public struct ConfigurationContent: Sendable, Equatable {
    /// Which twins the content is for.
    public enum Scope: String, Sendable {
        case devices = "deviceContent"
        case modules = "moduleContent"
    }

    public var scope: Scope
    /// The settings in the order given: each a path under `properties.desired` and its value;
    /// a `null` value removes the property (§4.3).
    public var settings: [ConfigurationSetting]

    public init(scope: Scope, settings: [ConfigurationSetting]) {
        self.scope = scope
        self.settings = settings
    }

    /// The content as the REST body shows it: `{"deviceContent":{"properties.desired.x":…}}`.
    public var json: JSONValue {
        .object([scope.rawValue: .object(JSONObject(settings.map { ($0.key, $0.value) }))])
    }

    /// Settings per content at most (Nave's bound: each becomes a desired write on every twin).
    public static let settingsMax = 100
    /// The prefix every content key starts with (§4.3).
    public static let desiredPrefix = "properties.desired."
}

/// One content entry: `properties.desired.a.b` → value.
public struct ConfigurationSetting: Sendable, Equatable {
    /// The property names under `properties.desired` (`["a", "b"]`), each a valid twin key.
    public var path: [String]
    public var value: JSONValue

    public init(path: [String], value: JSONValue) {
        self.path = path
        self.value = value
    }

    /// The content key as given: `properties.desired.a.b`.
    public var key: String { ConfigurationContent.desiredPrefix + pathText }
    /// The path under desired, dotted (`a.b`): twin keys hold no `.`, so it is unambiguous.
    public var pathText: String { path.joined(separator: ".") }
}
