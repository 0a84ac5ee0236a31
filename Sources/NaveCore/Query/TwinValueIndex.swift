import NaveModel
import NaveQuery

/// One hash index of the twin cache: for a path into twins' content (`tags.site`,
/// `properties.reported.status`), which twins hold which value there. A WHERE that requires
/// `path = v` or `path IN [v…]` reads its candidates here instead of scanning the fleet.
///
/// Values are keyed by JSON equality (`JSONValue`'s hash agrees with it: `1` and `1.0` are one
/// key), which is the query language's `=` between values of one type; a candidate is only a
/// candidate — the whole condition is still evaluated on it, so the index only has to be a
/// superset of the matches, never exact.
struct TwinValueIndex: Sendable {
    let path: QueryPath
    /// Each value's twins, kept in key order (merged lazily), so a page reads them without a sort.
    private var keysByValue: [JSONValue: SortedIdentities] = [:]

    /// An index of `path` over `twins`.
    init(path: QueryPath, twins: [IdentityKey: CachedTwin]) {
        self.path = path
        for (key, cached) in twins { add(key, cached.twin) }
    }

    mutating func add(_ key: IdentityKey, _ twin: Twin) {
        guard let value = indexedValue(of: twin) else { return }
        keysByValue[value, default: SortedIdentities([])].insert(key)
    }

    mutating func remove(_ key: IdentityKey, _ twin: Twin) {
        guard let value = indexedValue(of: twin) else { return }
        keysByValue[value]?.remove(key)
        if keysByValue[value]?.isEmpty == true { keysByValue[value] = nil }
    }

    /// The twins holding one of `values` at the path, ascending.
    mutating func keys(holding values: [JSONValue]) -> [IdentityKey] {
        let distinct = Set(values)
        var keys: [IdentityKey] = []
        for value in distinct { keys += keysByValue[value]?.inOrder() ?? [] }
        return distinct.count > 1 ? keys.sorted() : keys
    }

    /// The scalar the twin holds at the path, if any (objects and arrays never equal a literal).
    private func indexedValue(of twin: Twin) -> JSONValue? {
        guard case .value(let value)? = HubTwinDocument.contentValue(of: twin, at: path), value.isScalar else { return nil }
        return value
    }

    /// Whether `path` names twin content an index can serve (tags or a properties section, no
    /// `$version`/`$metadata`): the paths `HubTwinDocument.contentValue` reads from the twin alone.
    static func canIndex(_ path: QueryPath) -> Bool {
        HubTwinDocument.contentValue(of: emptyTwin, at: path) != nil
    }

    /// Any twin will do for `canIndex`: `contentValue` answers nil by the path's shape alone.
    private static let emptyTwin = Twin(deviceID: "", identityGenerationID: "", createdAt: .never)
}

extension JSONValue {
    /// Strings, numbers, booleans and null: what `=` compares (objects and arrays never match).
    var isScalar: Bool {
        switch self {
        case .object, .array: false
        default: true
        }
    }
}
