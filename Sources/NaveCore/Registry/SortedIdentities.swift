import NaveModel

/// A set of identity keys that also answers "all of them, in order" — what a paged query walks.
///
/// Registrations arrive in any order and in bursts (a bulk import creates 100,000 devices), so
/// keeping one sorted array up to date per insert would move the whole array each time. Instead
/// changes wait in `added` and `removed` and are merged into `ordered` when the order is next
/// read: one sort of the new keys and one linear merge, however many changes came in between.
struct SortedIdentities: Sendable {
    /// Merged keys, ascending. Valid together with `added` and `removed`.
    private var ordered: [IdentityKey] = []
    /// Keys inserted since the last merge and not in `ordered`.
    private var added: Set<IdentityKey> = []
    /// Keys of `ordered` removed since the last merge.
    private var removed: Set<IdentityKey> = []

    init<Keys: Sequence>(_ keys: Keys) where Keys.Element == IdentityKey {
        ordered = Array(keys).sorted()
    }

    mutating func insert(_ key: IdentityKey) {
        if removed.remove(key) == nil { added.insert(key) }
    }

    /// True when no key is held (pending changes included).
    var isEmpty: Bool { ordered.count - removed.count + added.count == 0 }

    /// Removes `key`; the caller removes only keys it inserted.
    mutating func remove(_ key: IdentityKey) {
        if added.remove(key) == nil { removed.insert(key) }
    }

    /// Every key in ascending order, merging pending changes first (O(n + k log k) once, then free).
    mutating func inOrder() -> [IdentityKey] {
        guard !added.isEmpty || !removed.isEmpty else { return ordered }
        let newcomers = added.sorted()
        var merged: [IdentityKey] = []
        merged.reserveCapacity(ordered.count + newcomers.count)
        var next = newcomers.startIndex
        for key in ordered where !removed.contains(key) {
            while next < newcomers.endIndex, newcomers[next] < key {
                merged.append(newcomers[next])
                next += 1
            }
            merged.append(key)
        }
        merged.append(contentsOf: newcomers[next...])
        ordered = merged
        added = []
        removed = []
        return ordered
    }
}
