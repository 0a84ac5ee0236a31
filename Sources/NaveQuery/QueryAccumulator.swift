import NaveModel

/// One row of a query's answer: a whole document for `SELECT *` (the caller serializes it as
/// a twin or device-job row), or a projected/aggregated object (`x-ms-item-type: raw`).
public enum QueryRow<Document> {
    case document(Document)
    case object(JSONObject)
}

/// Runs a parsed `Query` over documents fed one at a time (§1.6): WHERE, projection,
/// aggregates with or without GROUP BY, TOP. The REST layer streams its documents in and pages
/// rows out: rows of a non-aggregate query are ready as soon as their document was added
/// (`takeReadyRows`), aggregate rows once every document was (`finish`).
public struct QueryAccumulator<Document: QueryDocument> {
    public let query: Query
    private let items: [QuerySelectItem]
    private var ready: [QueryRow<Document>] = []
    /// Rows produced so far (taken or not), for TOP.
    private var produced = 0
    /// Group value (nil: the group of documents lacking the path) → position in `groups`.
    private var groupPositions: [JSONValue?: Int] = [:]
    private var groups: [QueryGroup] = []

    public init(_ query: Query) {
        self.query = query
        if case .items(let items) = query.selection { self.items = items } else { items = [] }
        if query.isAggregate, query.groupBy == nil {
            groupPositions[nil] = 0
            groups.append(QueryGroup(key: nil, itemCount: items.count))
        }
    }

    /// True once TOP rows were produced by a non-aggregate query: further documents change nothing.
    public var isComplete: Bool {
        guard let top = query.top, !query.isAggregate else { return false }
        return produced >= top
    }

    /// Feeds one document of the query's collection.
    public mutating func add(_ document: Document) {
        guard !isComplete else { return }
        if let condition = query.condition, !condition.isSatisfied(by: document) { return }
        guard query.isAggregate else {
            produced += 1
            ready.append(row(for: document))
            return
        }
        var position = 0
        if let groupPath = query.groupBy {
            let key = document.value(at: groupPath).jsonValue
            if let known = groupPositions[key] {
                position = known
            } else {
                position = groups.count
                groupPositions[key] = position
                groups.append(QueryGroup(key: key, itemCount: items.count))
            }
        }
        groups[position].documentCount += 1
        for (index, item) in items.enumerated() {
            guard let path = item.aggregate?.path, case .value(let value) = document.value(at: path) else { continue }
            groups[position].totals[index].add(value)
        }
    }

    /// The rows ready so far, removed from the accumulator (non-aggregate queries only; an
    /// aggregate query has none before `finish`).
    public mutating func takeReadyRows() -> [QueryRow<Document>] {
        defer { ready = [] }
        return ready
    }

    /// Every row not yet taken: for an aggregate query, its rows (one per group in the order
    /// groups were first seen, at most TOP; one row without GROUP BY, even for no documents).
    public mutating func finish() -> [QueryRow<Document>] {
        var rows = takeReadyRows()
        guard query.isAggregate else { return rows }
        let limit = query.top ?? Int.max
        for group in groups.prefix(limit) {
            rows.append(.object(group.row(items: items)))
        }
        groups = []
        groupPositions = [:]
        return rows
    }

    /// A `SELECT *` document, or the projection (undefined values left out).
    private func row(for document: Document) -> QueryRow<Document> {
        guard !items.isEmpty else { return .document(document) }
        var object = JSONObject()
        for item in items {
            if let path = item.path, case .value(let value) = document.value(at: path) {
                object[item.key] = value
            }
        }
        return .object(object)
    }
}

extension Query {
    /// Every row for `documents` at once (tests, small collections).
    public func rows<Documents: Sequence>(over documents: Documents) -> [QueryRow<Documents.Element>]
    where Documents.Element: QueryDocument {
        var accumulator = QueryAccumulator<Documents.Element>(self)
        for document in documents {
            accumulator.add(document)
            if accumulator.isComplete { break }
        }
        return accumulator.finish()
    }
}
