/// JSON Merge Patch (RFC 7396): how IoT Hub applies `PATCH /twins/{id}` to tags and desired
/// properties, and a device's reported-properties patch (contract §4.4: deep merge, `null`
/// deletes a member).
extension JSONValue {
    /// This value with `patch` applied (RFC 7396 §2, `MergePatch(Target, Patch)`).
    public func merged(with patch: JSONValue) -> JSONValue {
        var result = self
        result.merge(patch)
        return result
    }

    /// Applies `patch` in place (RFC 7396 §2) and tells whether the document changed, so a
    /// twin bumps `$version` only when something did. A patch that sets a member to a value
    /// equal to its current one (JSON equality) is no change.
    ///
    /// The rules, straight from the RFC's pseudocode: a non-object patch replaces the target;
    /// an object patch turns a non-object target into `{}` first, then for each member a `null`
    /// removes it and anything else is merged recursively into the member (an absent member
    /// merges into nothing, which drops nulls nested in the patch). Arrays are replaced whole.
    @discardableResult
    public mutating func merge(_ patch: JSONValue) -> Bool {
        guard case .object(let patchObject) = patch else {
            if self == patch { return false }
            self = patch
            return true
        }
        var changed = false
        var target: JSONObject
        if let existing = takeObject() {
            target = existing
        } else {
            target = JSONObject()
            changed = true
        }
        for (name, value) in patchObject {
            if value.isNull {
                if target.removeValue(forKey: name) != nil { changed = true }
            } else if let position = target.index(forKey: name) {
                if target.modifyValue(at: position, { $0.merge(value) }) { changed = true }
            } else {
                var fresh = JSONValue.null
                fresh.merge(value)
                target.updateValue(fresh, forKey: name)
                changed = true
            }
        }
        self = .object(target)
        return changed
    }

    /// Moves the object out (leaving `.null`) so mutating it does not copy; nil when this is
    /// not an object.
    private mutating func takeObject() -> JSONObject? {
        guard case .object(let object) = self else { return nil }
        self = .null
        return object
    }
}
