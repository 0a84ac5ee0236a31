/// The inverse of JSON Merge Patch (RFC 7396): the smallest patch that turns one object into
/// another. Twins use it for the change a device is told about (contract §1.10: the desired
/// notification carries "the patch as applied") and for the `replace` of a section, which is
/// applied as the patch from the old section to the new one.
extension JSONObject {
    /// A merge patch `p` with `old.merged(with: p) == new` (RFC 7396 §2), holding only what
    /// differs: members of `new` that are absent from or unequal to `old`'s, objects diffed
    /// member by member, and `null` for each member `old` has and `new` has not. Empty when
    /// the two are equal.
    ///
    /// `new` must hold no `null` member values (a merge patch cannot set one: `null` deletes);
    /// nulls inside arrays are fine, arrays being replaced whole. Members changed or added
    /// come in `new`'s order, then the deletions in `old`'s.
    public static func mergeDiff(from old: JSONObject, to new: JSONObject) -> JSONObject {
        var diff = JSONObject()
        for (name, value) in new {
            guard let previous = old[name] else {
                diff[name] = value
                continue
            }
            if previous == value { continue }
            if case .object(let before) = previous, case .object(let after) = value {
                // Unequal objects always differ in some member, so this is never empty.
                diff[name] = .object(mergeDiff(from: before, to: after))
            } else {
                diff[name] = value
            }
        }
        for name in old.keys where new[name] == nil {
            diff[name] = .null
        }
        return diff
    }
}
