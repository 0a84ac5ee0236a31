import NaveModel
import NaveQuery

/// libFuzzer entry point for NaveQuery's lexer, parser and evaluator.
///
/// Checks, for any input read as UTF-8 (ill-formed bytes repaired) as a whole query, as a
/// bare condition in both dialects and as a job's scoped condition: the parser neither
/// crashes nor recurses past its (small, so the fuzzer reaches them) limits; a refusal names a
/// position inside the text with a consistent line and column; an accepted text prints to a
/// canonical form that parses back to an equal tree and prints the same again; evaluation
/// over a few documents never traps, and `equalityConstraints` is sound on them; a query runs
/// through `QueryAccumulator` with TOP respected.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let limits = QueryLimits(queryCharactersMax: 1_024, expressionDepthMax: 16, pathSegmentsMax: 8, arrayElementsMax: 16,
                             selectItemsMax: 8, functionArgumentsMax: 8, stringLiteralCharactersMax: 64)
    // The canonical text is fully parenthesized (NOT adds two levels) and longer.
    let roomy = QueryLimits(queryCharactersMax: 1 << 20, expressionDepthMax: 64, pathSegmentsMax: 8, arrayElementsMax: 16,
                            selectItemsMax: 8, functionArgumentsMax: 8, stringLiteralCharactersMax: 64)

    do {
        let query = try QueryParser.parseQuery(text, limits: limits)
        let again: Query
        do { again = try QueryParser.parseQuery(query.description, limits: roomy) } catch {
            preconditionFailure("canonical query refused: \(query.description): \(error)")
        }
        precondition(again == query && again.description == query.description, "query round trip changed it")
        run(query)
    } catch {
        check(error, in: text, limits: limits)
    }
    for dialect in [QueryDialect.twin, .routing] {
        do {
            let condition = try QueryParser.parseCondition(text, dialect: dialect, limits: limits)
            let again: QueryExpression
            do { again = try QueryParser.parseCondition(condition.description, dialect: dialect, limits: roomy) } catch {
                preconditionFailure("canonical condition refused: \(condition.description): \(error)")
            }
            precondition(again == condition && again.description == condition.description, "condition round trip changed it")
            evaluate(condition)
        } catch {
            check(error, in: text, limits: limits)
        }
    }
    if let scoped = try? QueryParser.parseScopedCondition(text, limits: limits) { evaluate(scoped.condition) }
    return 0
}

private func check(_ error: QueryError, in text: String, limits: QueryLimits) {
    let scalars = Array(text.unicodeScalars)
    precondition(error.offset >= 0 && error.offset <= scalars.count, "offset outside the text: \(error)")
    let before = scalars[0..<error.offset]
    let line = 1 + before.filter { $0 == "\n" }.count
    let column = 1 + (before.lastIndex(of: "\n").map { error.offset - $0 - 1 } ?? error.offset)
    precondition(error.line == line && error.column == column, "line or column wrong: \(error)")
    if error.kind == .limitExceeded("queryCharactersMax") { precondition(scalars.count > limits.queryCharactersMax) }
    precondition(scalars.count <= limits.queryCharactersMax || error.kind == .limitExceeded("queryCharactersMax"))
}

private let twins: [TwinQueryDocument] = [
    TwinQueryDocument(["deviceId": "d1", "status": "enabled", "tags": ["a": 1, "b": "x", "group": ["name": "g"]],
                       "properties": ["desired": ["a": 2.5], "reported": ["a": [1, "2"], "b": nil]]]),
    TwinQueryDocument(["deviceId": "d2", "tags": ["a": "1"], "properties": ["reported": ["b": true]]]),
    TwinQueryDocument([:]),
]

/// Routing's view of a message, enough to reach every kind of path.
private struct FuzzMessage: QueryDocument {
    let body: JSONValue = ["a": [1, ["b": "c"]], "s": "Hello", "n": -2.5]
    let twin = twins[0].twin

    func value(at path: QueryPath) -> QueryValue {
        guard case .name(let first)? = path.segments.first else { return .undefined }
        switch first {
        case "$body": return body.value(following: path.segments.dropFirst())
        case "$twin": return twin.value(following: path.segments.dropFirst())
        case "$contentType": return path.segments.count == 1 ? .value("application/json") : .undefined
        default: return path.segments.count == 1 && first.lowercased() == "level" ? .value("critical") : .undefined
        }
    }
}

private func evaluate(_ condition: QueryExpression) {
    _ = condition.evaluate(in: FuzzMessage())
    let constraints = condition.equalityConstraints()
    for twin in twins where condition.isSatisfied(by: twin) {
        for constraint in constraints {
            guard let value = twin.value(at: constraint.path).jsonValue, constraint.values.contains(value) else {
                preconditionFailure("equality constraint on \(constraint.path) unsound for \(condition)")
            }
        }
    }
}

private func run(_ query: Query) {
    let rows = query.rows(over: twins)
    if let top = query.top { precondition(rows.count <= top, "TOP exceeded") }
    if query.isAggregate, query.groupBy == nil { precondition(rows.count == 1, "an aggregate without GROUP BY has one row") }
    if case .all = query.selection {
        for row in rows {
            guard case .document = row else { preconditionFailure("SELECT * produced a projection") }
        }
    }
}
