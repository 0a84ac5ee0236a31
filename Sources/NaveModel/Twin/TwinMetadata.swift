/// When each twin property last changed: IoT Hub's `$metadata` (device twins devguide, "Twin
/// metadata"). Every property — leaf or object — has `$lastUpdated`, and in desired properties
/// also `$lastUpdatedVersion` (the section's `$version` that changed it); an object property's
/// entry nests its members' entries; the section's own entry is the root and moves with any
/// change inside it.
///
/// Members are kept by name; rendering walks the section's values, so the `$metadata` members
/// come out in the properties' order.
public struct TwinMetadata: Sendable, Equatable {
    /// When the property (or anything inside it) last changed.
    public var lastUpdated: Timestamp
    /// The section `$version` that last changed it.
    public var lastUpdatedVersion: Int64
    /// The entries of an object property's members; empty for leaves (and arrays, which twins
    /// replace whole).
    public var members: [String: TwinMetadata]

    public init(lastUpdated: Timestamp, lastUpdatedVersion: Int64, members: [String: TwinMetadata] = [:]) {
        self.lastUpdated = lastUpdated
        self.lastUpdatedVersion = lastUpdatedVersion
        self.members = members
    }

    /// Entries for a whole new value: the value and, for an object, each member within it,
    /// all stamped with `time` and `version`.
    public static func stamped(_ value: JSONValue, at time: Timestamp, version: Int64) -> TwinMetadata {
        var entry = TwinMetadata(lastUpdated: time, lastUpdatedVersion: version)
        if case .object(let object) = value {
            for (name, member) in object {
                entry.members[name] = stamped(member, at: time, version: version)
            }
        }
        return entry
    }

    /// The `$metadata` JSON for `value` (whose entry this is), as IoT Hub renders it:
    /// `{"$lastUpdated":…,["$lastUpdatedVersion":n,]"member":{…},…}`. Members without an
    /// entry (never the case for documents this module built) render stamped like their parent.
    public func json(for value: JSONValue, includingVersion: Bool) -> JSONValue {
        var object = JSONObject()
        object["$lastUpdated"] = .string(lastUpdated.iso8601)
        if includingVersion { object["$lastUpdatedVersion"] = .integer(lastUpdatedVersion) }
        if case .object(let properties) = value {
            for (name, member) in properties {
                let entry = members[name] ?? TwinMetadata(lastUpdated: lastUpdated, lastUpdatedVersion: lastUpdatedVersion)
                object[name] = entry.json(for: member, includingVersion: includingVersion)
            }
        }
        return .object(object)
    }
}
