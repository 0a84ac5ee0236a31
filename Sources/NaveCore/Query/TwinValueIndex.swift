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
    private(set) var keysByValue: [JSONValue: Set<IdentityKey>] = [:]

    /// An index of `path` over `twins`.
    init(path: QueryPath, twins: [IdentityKey: Twin]) {
        self.path = path
        for (key, twin) in twins { add(key, twin) }
    }

    mutating func add(_ key: IdentityKey, _ twin: Twin) {
        guard case .value(let value)? = HubTwinDocument.contentValue(of: twin, at: path), value.isScalar else { return }
        keysByValue[value, default: []].insert(key)
    }

    mutating func remove(_ key: IdentityKey, _ twin: Twin) {
        guard case .value(let value)? = HubTwinDocument.contentValue(of: twin, at: path), value.isScalar else { return }
        keysByValue[value]?.remove(key)
        if keysByValue[value]?.isEmpty == true { keysByValue[value] = nil }
    }

    /// The twins holding one of `values` at the path.
    func keys(holding values: [JSONValue]) -> Set<IdentityKey> {
        var keys = Set<IdentityKey>()
        for value in values { keys.formUnion(keysByValue[value] ?? []) }
        return keys
    }

    /// Whether `path` names twin content an index can serve (tags or a properties section, no
    /// `$version`/`$metadata`): the paths `HubTwinDocument.contentValue` reads from the twin alone.
    static func canIndex(_ path: QueryPath) -> Bool {
        let probe = Twin(deviceID: "", identityGenerationID: "", createdAt: .never)
        return HubTwinDocument.contentValue(of: probe, at: path) != nil
    }
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
