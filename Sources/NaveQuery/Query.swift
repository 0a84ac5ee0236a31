import NaveModel

/// A whole query, `SELECT … FROM … [WHERE …] [GROUP BY …]` (reference §1.3), checked against
/// IoT Hub's restrictions (§1.6) when parsed: run it with `QueryAccumulator`.
public struct Query: Sendable, Hashable {
    /// `TOP n`: at most this many rows (1...`QueryLimits.topCountMax`).
    public var top: Int?
    public var selection: QuerySelection
    public var collection: QueryCollection
    /// WHERE; nil when absent (every document passes).
    public var condition: QueryExpression?
    /// GROUP BY's path (twins of devices only).
    public var groupBy: QueryPath?

    public init(top: Int? = nil, selection: QuerySelection, collection: QueryCollection,
                condition: QueryExpression? = nil, groupBy: QueryPath? = nil) {
        self.top = top
        self.selection = selection
        self.collection = collection
        self.condition = condition
        self.groupBy = groupBy
    }

    /// The `x-ms-item-type` of the answer (§1.1): `twin` or `deviceJob` for `SELECT *`, `raw`
    /// for projections and aggregates.
    public var itemType: QueryItemType {
        switch selection {
        case .all: return collection == .deviceJobs ? .deviceJob : .twin
        case .items: return .raw
        }
    }

    /// True when the rows are aggregates (one per group, or one in all): such a query has no
    /// row until every document was seen.
    public var isAggregate: Bool {
        guard case .items(let items) = selection else { return false }
        return groupBy != nil || items.contains { $0.aggregate != nil }
    }
}

/// What FROM names (§1.2).
public enum QueryCollection: String, Sendable, Hashable, CaseIterable {
    case devices = "devices"
    case modules = "devices.modules"
    case deviceJobs = "devices.jobs"
}

/// The `x-ms-item-type` response header's values this module produces (§1.1).
public enum QueryItemType: String, Sendable, Hashable {
    case twin
    case deviceJob
    case raw
}

/// `*`, or the items after SELECT.
public enum QuerySelection: Sendable, Hashable {
    case all
    case items([QuerySelectItem])
}

/// One item after SELECT: a path or an aggregate, and the key it is written under.
public struct QuerySelectItem: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case path(QueryPath)
        case aggregate(QueryAggregate)
    }

    public var value: Value
    /// `AS alias`, as written.
    public var alias: String?
    /// The key of this item in a row (§1.6): the alias; else a path's last name as stored
    /// (`DeviceId` → `deviceId`); else, for an aggregate or a path ending in an index, `$n`
    /// where n is the item's 1-based position (Cosmos DB's naming; IoT Hub's is unconfirmed,
    /// Appendix B).
    public var key: String

    public init(value: Value, alias: String?, key: String) {
        self.value = value
        self.alias = alias
        self.key = key
    }

    public var aggregate: QueryAggregate? {
        if case .aggregate(let aggregate) = value { return aggregate }
        return nil
    }

    public var path: QueryPath? {
        if case .path(let path) = value { return path }
        return nil
    }
}

/// The aggregates of §1.6. `COUNT()` counts documents; the others read a path and skip
/// documents where it is not a number.
public enum QueryAggregate: Sendable, Hashable {
    case count
    case average(QueryPath)
    case sum(QueryPath)
    case min(QueryPath)
    case max(QueryPath)

    public var path: QueryPath? {
        switch self {
        case .count: return nil
        case .average(let path), .sum(let path), .min(let path), .max(let path): return path
        }
    }
}

/// A job's `queryCondition` (§3.2): a bare condition over device twins, `*`, or
/// `FROM devices.modules WHERE …` to target modules.
public struct ScopedCondition: Sendable, Hashable {
    public var collection: QueryCollection
    public var condition: QueryExpression

    public init(collection: QueryCollection, condition: QueryExpression) {
        self.collection = collection
        self.condition = condition
    }
}
