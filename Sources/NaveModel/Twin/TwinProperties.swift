/// One properties section of a twin — desired or reported (contract §1.10, §4.4): the
/// properties, the section's `$version`, and its `$metadata`.
///
/// Patches follow JSON Merge Patch (RFC 7396): objects merge member by member, `null` deletes,
/// anything else replaces. A patch that changes nothing leaves the section exactly as it was —
/// no new `$version`, no new metadata — so a device is never told of a change that was none.
public struct TwinProperties: Sendable, Equatable {
    /// The properties, in the order they were first set; never holding a `null` member.
    public var values: JSONObject
    /// The section's `$version`: 1 for a new twin, one more per change to this section.
    public var version: Int64
    /// The section's `$metadata` root: when the section last changed, and per property.
    public var metadata: TwinMetadata

    public init(values: JSONObject = JSONObject(), version: Int64, metadata: TwinMetadata) {
        self.values = values
        self.version = version
        self.metadata = metadata
    }

    /// An empty section at version 1, created at `time`.
    public static func empty(at time: Timestamp) -> TwinProperties {
        TwinProperties(version: 1, metadata: TwinMetadata(lastUpdated: time, lastUpdatedVersion: 1))
    }

    /// Applies `patch` (RFC 7396) and returns the change as a merge patch (empty when nothing
    /// changed). When something changed, `version` goes up by one and every property touched,
    /// and each object above it, is stamped with `time` and the new version.
    @discardableResult
    public mutating func apply(_ patch: JSONObject, at time: Timestamp) -> JSONObject {
        let before = values
        let newVersion = version + 1
        guard Self.merge(patch, into: &values, metadata: &metadata, at: time, version: newVersion) else { return JSONObject() }
        version = newVersion
        return JSONObject.mergeDiff(from: before, to: values)
    }

    /// Replaces every property with `replacement` (nulls in it dropped), as the change from
    /// the current properties to it: properties that keep their value keep their metadata.
    /// Returns the change as a merge patch (empty when the two are equal).
    @discardableResult
    public mutating func replace(with replacement: JSONObject, at time: Timestamp) -> JSONObject {
        apply(JSONObject.mergeDiff(from: values, to: Self.withoutNulls(replacement)), at: time)
    }

    /// The serialized size of the properties alone (no `$metadata`, no `$version`): what IoT
    /// Hub's section limits are measured against (contract §8).
    public var serializedByteCount: Int { JSONValue.object(values).serializedByteCount }

    /// RFC 7396 merge of `patch` into `target`, keeping `metadata` in step; true when anything
    /// changed. Metadata of removed members goes with them; a member replaced by a new value
    /// gets entries for the whole new value.
    static func merge(_ patch: JSONObject, into target: inout JSONObject, metadata: inout TwinMetadata,
                      at time: Timestamp, version: Int64) -> Bool {
        var changed = false
        for (name, value) in patch {
            switch value {
            case .null:
                if target.removeValue(forKey: name) != nil {
                    metadata.members[name] = nil
                    changed = true
                }
            case .object(let members):
                if case .object(var existing)? = target[name] {
                    var entry = metadata.members[name] ?? .stamped(.object(existing), at: time, version: version)
                    if merge(members, into: &existing, metadata: &entry, at: time, version: version) {
                        target[name] = .object(existing)
                        metadata.members[name] = entry
                        changed = true
                    }
                } else {
                    // Absent or not an object: it becomes the patch's object, nulls dropped
                    // (RFC 7396 merges into `{}`), which always differs from what was there.
                    let fresh = JSONValue.object(withoutNulls(members))
                    target[name] = fresh
                    metadata.members[name] = .stamped(fresh, at: time, version: version)
                    changed = true
                }
            default:
                if target[name] != value {
                    target[name] = value
                    metadata.members[name] = TwinMetadata(lastUpdated: time, lastUpdatedVersion: version)
                    changed = true
                }
            }
        }
        if changed {
            metadata.lastUpdated = time
            metadata.lastUpdatedVersion = version
        }
        return changed
    }

    /// `object` with every `null` member removed, at every object level (arrays are values).
    static func withoutNulls(_ object: JSONObject) -> JSONObject {
        var result = JSONObject()
        for (name, value) in object {
            switch value {
            case .null: continue
            case .object(let members): result[name] = .object(withoutNulls(members))
            default: result[name] = value
            }
        }
        return result
    }
}
