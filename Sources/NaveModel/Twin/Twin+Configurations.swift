/// Applying automatic device configurations to a twin (reference §4.3): given every
/// configuration whose target condition the twin meets now, the twin's desired properties get,
/// per path, the value of the configuration that ranks highest among those setting it (priority,
/// then the most recently created); paths a configuration set before and none sets any more
/// are removed; each targeting configuration is recorded `applied` (one of its values is in
/// the twin) or `targeted` (outranked on every path).
///
/// Nothing is written while the winner of every path stays the same: a value the back end
/// changed by hand is not fought over on each re-evaluation, only when the configurations
/// that apply to the twin change.
extension Twin {
    /// Applies `matching` (in any order) at `time`. Returns the desired change as a twin change
    /// (the device is told of it with `$version`), or nil when desired did not change; the
    /// `configurations` record is updated either way (a change to it alone moves `version`). Refused, changing nothing, when the
    /// result breaks the twin rules (a desired section over 32 KB).
    public mutating func applyConfigurations(_ matching: [DeviceConfiguration], at time: Timestamp) throws(HubError) -> TwinChange? {
        let ranked = matching.sorted { $1.isOutranked(by: $0) }
        var winners: [String: String] = [:]
        for configuration in ranked {
            for setting in configuration.content.settings where winners[setting.pathText] == nil {
                winners[setting.pathText] = configuration.id
            }
        }
        var statuses: [String: TwinConfigurations.Status] = [:]
        for configuration in ranked {
            let wins = configuration.content.settings.isEmpty || configuration.content.settings.contains { winners[$0.pathText] == configuration.id }
            statuses[configuration.id] = wins ? .applied : .targeted
        }
        var change: TwinChange?
        if winners != configurations.appliedPaths {
            var target = desired.values
            for path in configurations.appliedPaths.keys where winners[path] == nil {
                Self.remove(path.split(separator: ".").map(String.init)[...], from: &target)
            }
            // Lowest rank first, so where paths nest (`fw` and `fw.version`) the higher one is
            // written last and stands.
            for configuration in ranked.reversed() {
                for setting in configuration.content.settings where winners[setting.pathText] == configuration.id {
                    if setting.value.isNull {
                        Self.remove(setting.path[...], from: &target)
                    } else {
                        Self.set(setting.value, at: setting.path[...], in: &target)
                    }
                }
            }
            let patch = JSONObject.mergeDiff(from: desired.values, to: target)
            if !patch.isEmpty { change = try update(TwinUpdate(desired: patch), at: time) }
        }
        let record = TwinConfigurations(statuses: statuses, appliedPaths: winners)
        // The record is part of the twin as the back end reads it: a change to it alone is a
        // new twin version too (and so a new etag), as every other change is.
        if change == nil, record != configurations { version += 1 }
        configurations = record
        return change
    }

    /// Sets `value` (its `null` members dropped: a merge patch cannot hold them) at `path`,
    /// making objects on the way. Paths are at most `TwinRules.depthMax` names.
    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in object: inout JSONObject) {
        guard let name = path.first else { return }
        guard path.count > 1 else {
            object[name] = value.objectValue.map { .object(TwinProperties.withoutNulls($0)) } ?? value
            return
        }
        var inner = object[name]?.objectValue ?? JSONObject()
        set(value, at: path.dropFirst(), in: &inner)
        object[name] = .object(inner)
    }

    /// Removes the member at `path`, then any object on the way that it left empty.
    private static func remove(_ path: ArraySlice<String>, from object: inout JSONObject) {
        guard let name = path.first else { return }
        guard path.count > 1 else {
            _ = object.removeValue(forKey: name)
            return
        }
        guard var inner = object[name]?.objectValue else { return }
        remove(path.dropFirst(), from: &inner)
        if inner.isEmpty { _ = object.removeValue(forKey: name) } else { object[name] = .object(inner) }
    }
}
