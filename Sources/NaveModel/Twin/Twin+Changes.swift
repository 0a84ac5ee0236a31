/// The three ways a twin changes (contract §4.4, §1.10): the back end patches tags and desired
/// properties (`PATCH /twins/{id}`) or replaces them (`PUT`), and the device patches its
/// reported properties. Each checks IoT Hub's rules (`TwinRules`) on the patch and on the
/// sections as they would become, and changes nothing when any check fails.
extension Twin {
    /// Deep-merges `update.tags` into the tags and `update.desired` into the desired
    /// properties; `null` deletes. Nil when nothing changed (then no version moves).
    public mutating func update(_ update: TwinUpdate, at time: Timestamp) throws(HubError) -> TwinChange? {
        try change(.update, tags: update.tags, desired: update.desired, reported: nil, at: time)
    }

    /// Replaces tags and desired properties with `update`'s (an absent section becomes empty);
    /// reported properties stay as they are. Properties that keep their value keep their
    /// metadata. Nil when the twin already held exactly these.
    public mutating func replace(_ update: TwinUpdate, at time: Timestamp) throws(HubError) -> TwinChange? {
        let tagsPatch = JSONObject.mergeDiff(from: tags, to: TwinProperties.withoutNulls(update.tags ?? JSONObject()))
        let desiredPatch = JSONObject.mergeDiff(from: desired.values, to: TwinProperties.withoutNulls(update.desired ?? JSONObject()))
        // The replacements are checked as given; the patches derived from them carry `null`s
        // for deletions, which the rules allow.
        if let tags = update.tags { try TwinRules.validatePatch(tags, section: .tags) }
        if let desired = update.desired { try TwinRules.validatePatch(desired, section: .desired) }
        return try change(.replace, tags: tagsPatch, desired: desiredPatch, reported: nil, at: time, validated: true)
    }

    /// Applies a device's reported-properties patch (contract §1.10). Nil when nothing changed;
    /// `reported.version` is then still the version to answer the device with.
    public mutating func updateReported(_ patch: JSONObject, at time: Timestamp) throws(HubError) -> TwinChange? {
        try change(.reportedUpdate, tags: nil, desired: nil, reported: patch, at: time)
    }

    private mutating func change(_ operation: TwinChange.Operation, tags tagsPatch: JSONObject?,
                                 desired desiredPatch: JSONObject?, reported reportedPatch: JSONObject?,
                                 at time: Timestamp, validated: Bool = false) throws(HubError) -> TwinChange? {
        if !validated {
            if let tagsPatch { try TwinRules.validatePatch(tagsPatch, section: .tags) }
            if let desiredPatch { try TwinRules.validatePatch(desiredPatch, section: .desired) }
        }
        if let reportedPatch { try TwinRules.validatePatch(reportedPatch, section: .reported) }

        // Work on copies; the twin changes only once every section passed its limits.
        var newTags = JSONValue.object(tags)
        var newDesired = desired
        var newReported = reported
        var change = TwinChange(operation: operation, version: version + 1)
        if let tagsPatch, newTags.merge(.object(tagsPatch)), let merged = newTags.objectValue {
            try TwinRules.validateSection(merged, section: .tags)
            change.tags = JSONObject.mergeDiff(from: tags, to: merged)
        }
        if let desiredPatch {
            let applied = newDesired.apply(desiredPatch, at: time)
            if !applied.isEmpty {
                try TwinRules.validateSection(newDesired.values, section: .desired)
                change.desired = applied
                change.desiredVersion = newDesired.version
            }
        }
        if let reportedPatch {
            let applied = newReported.apply(reportedPatch, at: time)
            if !applied.isEmpty {
                try TwinRules.validateSection(newReported.values, section: .reported)
                change.reported = applied
                change.reportedVersion = newReported.version
            }
        }
        guard change.tags != nil || change.desired != nil || change.reported != nil else { return nil }
        tags = newTags.objectValue ?? tags
        desired = newDesired
        reported = newReported
        version = change.version
        return change
    }
}

/// What one operation changed in a twin, each section as a merge patch from before to after:
/// the body of the device's desired notification and of the twin change event.
public struct TwinChange: Sendable, Equatable {
    public enum Operation: String, Sendable {
        case update, replace, reportedUpdate

        /// IoT Hub's `opType` application property on twin change events.
        public var opType: String { self == .replace ? "replaceTwin" : "updateTwin" }
    }

    public var operation: Operation
    /// The twin's new `version`.
    public var version: Int64
    public var tags: JSONObject?
    public var desired: JSONObject?
    /// The new `desired.$version` when desired changed.
    public var desiredVersion: Int64?
    public var reported: JSONObject?
    /// The new `reported.$version` when reported changed.
    public var reportedVersion: Int64?

    public init(operation: Operation, version: Int64, tags: JSONObject? = nil, desired: JSONObject? = nil,
                desiredVersion: Int64? = nil, reported: JSONObject? = nil, reportedVersion: Int64? = nil) {
        self.operation = operation
        self.version = version
        self.tags = tags
        self.desired = desired
        self.desiredVersion = desiredVersion
        self.reported = reported
        self.reportedVersion = reportedVersion
    }

    /// The desired-properties notification for the device (contract §1.10): the change with
    /// `"$version": n` last, e.g. `{"telemetryInterval":7,"$version":4}`; nil when desired did
    /// not change. `$version` is mandatory: without it the SDK drops the patch.
    public var desiredNotification: (version: Int64, body: [UInt8])? {
        guard var body = desired, let desiredVersion else { return nil }
        body["$version"] = .integer(desiredVersion)
        return (desiredVersion, JSONValue.object(body).serialized())
    }

    /// The twin change event's body, shaped like IoT Hub's twin change notifications:
    /// `{"version":v,"tags":{…},"properties":{"desired":{…,"$version":n},"reported":{…}}}`
    /// with only the sections that changed.
    public var eventBody: JSONValue {
        var object = JSONObject()
        object["version"] = .integer(version)
        if let tags { object["tags"] = .object(tags) }
        var properties = JSONObject()
        if var desired, let desiredVersion {
            desired["$version"] = .integer(desiredVersion)
            properties["desired"] = .object(desired)
        }
        if var reported, let reportedVersion {
            reported["$version"] = .integer(reportedVersion)
            properties["reported"] = .object(reported)
        }
        if !properties.isEmpty { object["properties"] = .object(properties) }
        return .object(object)
    }
}
