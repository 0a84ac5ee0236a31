import NaveModel

/// The entry points of the query language: a recursive-descent parser whose every recursion
/// (parentheses, NOT, unary minus, calls, array literals) passes an explicit depth counter
/// bounded by `QueryLimits.expressionDepthMax`, and whose trees are no taller than that bound.
public enum QueryParser {
    /// A whole query (`SELECT … FROM …`), twin dialect (reference §1.3, §1.6).
    public static func parseQuery(_ text: String, limits: QueryLimits = .standard) throws(QueryError) -> Query {
        var parser = try QueryParserState(text, dialect: .twin, limits: limits)
        let query = try parser.query()
        try parser.expectEnd()
        return query
    }

    /// A bare condition: a configuration's `targetCondition` (twin dialect, where `*` means
    /// every twin), a routing condition (routing dialect), a job's condition without FROM.
    public static func parseCondition(_ text: String, dialect: QueryDialect,
                                      limits: QueryLimits = .standard) throws(QueryError) -> QueryExpression {
        var parser = try QueryParserState(text, dialect: dialect, limits: limits)
        if dialect == .twin, parser.isStar(alone: true) { return .literal(true) }
        let condition = try parser.expression()
        try parser.expectEnd()
        return condition
    }

    /// A job's `queryCondition` (§3.2): `*`, a bare condition over `devices`, or
    /// `FROM devices.modules [WHERE …]` (no WHERE: every document of the collection).
    public static func parseScopedCondition(_ text: String, limits: QueryLimits = .standard) throws(QueryError) -> ScopedCondition {
        var parser = try QueryParserState(text, dialect: .twin, limits: limits)
        if parser.isStar(alone: true) { return ScopedCondition(collection: .devices, condition: .literal(true)) }
        guard parser.isKeyword("FROM") else {
            let condition = try parser.expression()
            try parser.expectEnd()
            return ScopedCondition(collection: .devices, condition: condition)
        }
        let fromOffset = parser.token.offset
        let collection = try parser.fromClause()
        guard collection != .deviceJobs else {
            throw parser.error(.unsupported, "a job targets devices or devices.modules, not devices.jobs", at: fromOffset)
        }
        var condition = QueryExpression.literal(true)
        if parser.isKeyword("WHERE") {
            try parser.advance()
            condition = try parser.expression()
        }
        try parser.expectEnd()
        return ScopedCondition(collection: collection, condition: condition)
    }
}

/// The parser's cursor: the lexer, the current token (the one token of look-ahead), and the
/// nesting depth of recursive constructs entered so far.
struct QueryParserState {
    var lexer: QueryLexer
    var token: QueryToken
    let dialect: QueryDialect
    var limits: QueryLimits { lexer.limits }
    var nesting = 0

    /// Words that cannot start a path without `[[ ]]` (§1.3: `tags.[[group]].name`).
    static let reservedWords: Set<String> = [
        "SELECT", "TOP", "FROM", "WHERE", "GROUP", "BY", "AS", "AND", "OR", "NOT", "IN", "NIN",
        "TRUE", "FALSE", "NULL", "UNDEFINED",
    ]

    init(_ text: String, dialect: QueryDialect, limits: QueryLimits) throws(QueryError) {
        lexer = QueryLexer(text, limits: limits)
        self.dialect = dialect
        token = QueryToken(kind: .end, offset: 0, end: 0)
        guard lexer.scalars.count <= limits.queryCharactersMax else {
            throw lexer.error(.limitExceeded("queryCharactersMax"),
                              "the query is longer than \(limits.queryCharactersMax) characters", at: limits.queryCharactersMax)
        }
        try advance()
    }

    mutating func advance() throws(QueryError) {
        token = try lexer.next()
    }

    func error(_ kind: QueryError.Kind = .syntax, _ message: String, at offset: Int? = nil) -> QueryError {
        lexer.error(kind, message, at: offset ?? token.offset)
    }

    /// "expected X but found Y" at the current token.
    func expected(_ what: String) -> QueryError {
        error(.syntax, "expected \(what) but found \(lexer.text(of: token))")
    }

    func isKeyword(_ word: String) -> Bool { token.keyword == word }

    func isSymbol(_ symbol: QuerySymbol) -> Bool { token.kind == .symbol(symbol) }

    /// True when the current token is `*` (and, with `alone`, the only token of the text).
    func isStar(alone: Bool) -> Bool {
        guard isSymbol(.star) else { return false }
        guard alone else { return true }
        var probe = lexer
        return (try? probe.next().kind) == .end
    }

    mutating func expectKeyword(_ word: String) throws(QueryError) {
        guard isKeyword(word) else { throw expected(word) }
        try advance()
    }

    mutating func expect(_ symbol: QuerySymbol) throws(QueryError) {
        guard isSymbol(symbol) else { throw expected("'\(symbol.rawValue)'") }
        try advance()
    }

    func expectEnd() throws(QueryError) {
        guard token.kind == .end else { throw expected("the end of the query") }
    }

    /// Enters one level of nesting (a parenthesis, NOT, unary minus, call, array literal).
    mutating func enter() throws(QueryError) {
        nesting += 1
        guard nesting <= limits.expressionDepthMax else {
            throw error(.limitExceeded("expressionDepthMax"),
                        "expressions nest deeper than \(limits.expressionDepthMax) levels")
        }
    }

    mutating func leave() { nesting -= 1 }

    /// FROM and its collection (§1.2).
    mutating func fromClause() throws(QueryError) -> QueryCollection {
        try expectKeyword("FROM")
        let start = token.offset
        guard token.keyword == "DEVICES" else { throw error(.unknownCollection, "expected devices, devices.modules or devices.jobs but found \(lexer.text(of: token))") }
        try advance()
        guard isSymbol(.dot) else { return .devices }
        try advance()
        let collection: QueryCollection
        switch token.keyword {
        case "MODULES": collection = .modules
        case "JOBS": collection = .deviceJobs
        default:
            throw error(.unknownCollection, "unknown collection; expected devices, devices.modules or devices.jobs", at: start)
        }
        try advance()
        return collection
    }
}
