import NaveModel

/// An expression and the height of its tree (a leaf is 1).
typealias ParsedExpression = (expression: QueryExpression, height: Int)

/// The expression grammar of §1.3, one function per precedence level.
extension QueryParserState {
    /// A whole expression (`expr`); refuses a tree taller than `expressionDepthMax`.
    mutating func expression() throws(QueryError) -> QueryExpression {
        try parseExpression().expression
    }

    mutating func parseExpression() throws(QueryError) -> ParsedExpression {
        try enter()
        defer { leave() }
        return try parseOr()
    }

    /// `l op r`, refused when it would make the tree too tall.
    func combine(_ op: QueryBinaryOperator, _ left: ParsedExpression, _ right: ParsedExpression,
                 at offset: Int) throws(QueryError) -> ParsedExpression {
        let height = 1 + max(left.height, right.height)
        try checkHeight(height, at: offset)
        return (.binary(op, left.expression, right.expression), height)
    }

    func checkHeight(_ height: Int, at offset: Int) throws(QueryError) {
        guard height <= limits.expressionDepthMax else {
            throw error(.limitExceeded("expressionDepthMax"),
                        "the expression is deeper than \(limits.expressionDepthMax) levels", at: offset)
        }
    }

    private mutating func parseOr() throws(QueryError) -> ParsedExpression {
        var left = try parseAnd()
        while isKeyword("OR") {
            let offset = token.offset
            try advance()
            left = try combine(.or, left, try parseAnd(), at: offset)
        }
        return left
    }

    private mutating func parseAnd() throws(QueryError) -> ParsedExpression {
        var left = try parseNot()
        while isKeyword("AND") {
            let offset = token.offset
            try advance()
            left = try combine(.and, left, try parseNot(), at: offset)
        }
        return left
    }

    private mutating func parseNot() throws(QueryError) -> ParsedExpression {
        guard isKeyword("NOT") else { return try parseComparison() }
        let offset = token.offset
        try advance()
        try enter()
        defer { leave() }
        let operand = try parseNot()
        try checkHeight(operand.height + 1, at: offset)
        return (.not(operand.expression), operand.height + 1)
    }

    private mutating func parseComparison() throws(QueryError) -> ParsedExpression {
        let left = try parseSum()
        let offset = token.offset
        if case .symbol(let symbol) = token.kind, let op = Self.comparisons[symbol] {
            try advance()
            return try combine(op, left, try parseSum(), at: offset)
        }
        if isKeyword("IN") || isKeyword("NIN") {
            let negated = isKeyword("NIN")
            try advance()
            guard isSymbol(.leftBracket) else { throw expected("an array after \(negated ? "NIN" : "IN")") }
            let elements = try arrayLiteral()
            try checkHeight(left.height + 1, at: offset)
            return (.membership(left.expression, elements, negated: negated), left.height + 1)
        }
        return left
    }

    private static let comparisons: [QuerySymbol: QueryBinaryOperator] = [
        .equal: .equal, .notEqual: .notEqual, .lessGreater: .notEqual, .less: .less, .greater: .greater,
        .lessEqual: .lessOrEqual, .greaterEqual: .greaterOrEqual,
    ]

    private mutating func parseSum() throws(QueryError) -> ParsedExpression {
        var left = try parseTerm()
        while true {
            let op: QueryBinaryOperator
            switch token.kind {
            case .symbol(.plus): op = .add
            case .symbol(.minus): op = .subtract
            default: return left
            }
            let offset = token.offset
            try advance()
            left = try combine(op, left, try parseTerm(), at: offset)
        }
    }

    private mutating func parseTerm() throws(QueryError) -> ParsedExpression {
        var left = try parseUnary()
        while true {
            let op: QueryBinaryOperator
            switch token.kind {
            case .symbol(.star): op = .multiply
            case .symbol(.slash): op = .divide
            case .symbol(.percent): op = .remainder
            default: return left
            }
            let offset = token.offset
            try advance()
            left = try combine(op, left, try parseUnary(), at: offset)
        }
    }

    /// `-x`; a minus before a number literal folds into the literal, so `-5` is the literal −5
    /// (and prints back as `-5`).
    private mutating func parseUnary() throws(QueryError) -> ParsedExpression {
        guard isSymbol(.minus) else { return try parsePrimary() }
        let offset = token.offset
        try advance()
        try enter()
        defer { leave() }
        let operand = try parseUnary()
        if case .literal(let value) = operand.expression, let negated = Self.negated(value) {
            return (.literal(negated), operand.height)
        }
        try checkHeight(operand.height + 1, at: offset)
        return (.negate(operand.expression), operand.height + 1)
    }

    /// −n for a number literal (Int64.min's negation becomes a double).
    static func negated(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .integer(let number):
            let (result, overflow) = Int64(0).subtractingReportingOverflow(number)
            return overflow ? .double(-Double(number)) : .integer(result)
        case .double(let number): return .double(-number)
        default: return nil
        }
    }

    private mutating func parsePrimary() throws(QueryError) -> ParsedExpression {
        let start = token.offset
        switch token.kind {
        case .number(let value):
            try advance()
            return (.literal(value), 1)
        case .string(let text):
            try advance()
            return (.literal(.string(text)), 1)
        case .symbol(.leftParen):
            try advance()
            let inner = try parseExpression()
            try expect(.rightParen)
            return inner
        case .symbol(.leftBracket):
            if lexer.scalar(at: start + 1) == "[" { return (.path(try path()), 1) }
            return (.literal(.array(try arrayLiteral())), 1)
        case .systemName:
            return (.path(try path()), 1)
        case .identifier(let name):
            switch token.keyword {
            case "TRUE": try advance(); return (.literal(true), 1)
            case "FALSE": try advance(); return (.literal(false), 1)
            case "NULL": try advance(); return (.literal(.null), 1)
            case "UNDEFINED": try advance(); return (.undefined, 1)
            case let word? where Self.reservedWords.contains(word):
                throw error(.syntax, "expected an expression but found the keyword \(word)")
            default: break
            }
            try advance()
            if isSymbol(.leftParen) { return try call(name, at: start) }
            return (.path(try path(continuing: .name(name), at: start)), 1)
        default:
            throw expected("an expression")
        }
    }
}
