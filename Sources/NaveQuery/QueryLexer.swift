import NaveModel

/// One token of a query text, with where it starts and ends (offsets in Unicode scalars).
struct QueryToken: Equatable {
    enum Kind: Equatable {
        /// A name or keyword: letters, digits and `_`, not starting with a digit.
        case identifier(String)
        /// `$name` (routing dialect): letters, digits, `_` and `-` after the `$`.
        case systemName(String)
        case number(JSONValue)
        case string(String)
        case symbol(QuerySymbol)
        case end
    }

    var kind: Kind
    var offset: Int
    var end: Int
    /// The identifier's text uppercased, for case-insensitive keyword tests.
    var keyword: String?
}

enum QuerySymbol: String, Equatable {
    case comma = ",", dot = ".", leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]"
    case star = "*", plus = "+", minus = "-", slash = "/", percent = "%"
    case equal = "=", notEqual = "!=", lessGreater = "<>", less = "<", greater = ">"
    case lessEqual = "<=", greaterEqual = ">="
}

/// A hand-written scanner the parser pulls tokens from one at a time, so it can read a
/// `[[quoted]]` path segment straight from the text where one is expected (the same two
/// characters open a nested array literal elsewhere). Loops only; no recursion.
struct QueryLexer {
    let scalars: [Unicode.Scalar]
    let limits: QueryLimits
    var position = 0

    init(_ text: String, limits: QueryLimits) {
        scalars = Array(text.unicodeScalars)
        self.limits = limits
    }

    /// A refusal at `offset` with its line and column.
    func error(_ kind: QueryError.Kind, _ message: String, at offset: Int) -> QueryError {
        var line = 1
        var column = 1
        for scalar in scalars[0..<min(offset, scalars.count)] {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return QueryError(kind, message, offset: offset, line: line, column: column)
    }

    /// The token's text as written, for "found …" in messages.
    func text(of token: QueryToken) -> String {
        if case .end = token.kind { return "the end of the query" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[token.offset..<min(token.end, token.offset + 40)])
        return "'\(String(view))'"
    }

    func scalar(at offset: Int) -> Unicode.Scalar? { offset < scalars.count ? scalars[offset] : nil }

    mutating func next() throws(QueryError) -> QueryToken {
        while let scalar = scalar(at: position), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            position += 1
        }
        let start = position
        guard let first = scalar(at: position) else { return QueryToken(kind: .end, offset: start, end: start) }
        if Self.isIdentifierStart(first) {
            while let scalar = scalar(at: position), Self.isIdentifierPart(scalar) { position += 1 }
            let name = string(start..<position)
            return QueryToken(kind: .identifier(name), offset: start, end: position, keyword: name.uppercased())
        }
        if first == "$" {
            position += 1
            while let scalar = scalar(at: position), Self.isIdentifierPart(scalar) || scalar == "-" { position += 1 }
            guard position > start + 1 else { throw error(.syntax, "expected a name after '$'", at: start) }
            return QueryToken(kind: .systemName(string(start..<position)), offset: start, end: position)
        }
        if Self.isDigit(first) { return try number(from: start) }
        if first == "'" || first == "\"" { return try stringLiteral(quote: first, from: start) }
        position += 1
        let symbol: QuerySymbol
        switch first {
        case ",": symbol = .comma
        case ".": symbol = .dot
        case "(": symbol = .leftParen
        case ")": symbol = .rightParen
        case "[": symbol = .leftBracket
        case "]": symbol = .rightBracket
        case "*": symbol = .star
        case "+": symbol = .plus
        case "-": symbol = .minus
        case "/": symbol = .slash
        case "%": symbol = .percent
        case "=": symbol = .equal
        case "!":
            guard scalar(at: position) == "=" else { throw error(.syntax, "expected '!=' but found '!'", at: start) }
            position += 1
            symbol = .notEqual
        case "<":
            switch scalar(at: position) {
            case "=": position += 1; symbol = .lessEqual
            case ">": position += 1; symbol = .lessGreater
            default: symbol = .less
            }
        case ">":
            if scalar(at: position) == "=" { position += 1; symbol = .greaterEqual } else { symbol = .greater }
        default:
            throw error(.syntax, "unexpected character '\(first.escaped(asASCII: true))'", at: start)
        }
        return QueryToken(kind: .symbol(symbol), offset: start, end: position)
    }

    /// Reads `name]]` from `offset` (just after `[[`) and moves past it.
    mutating func quotedName(from offset: Int) throws(QueryError) -> String {
        var end = offset
        while end + 1 < scalars.count, !(scalars[end] == "]" && scalars[end + 1] == "]") { end += 1 }
        guard end + 1 < scalars.count else { throw error(.syntax, "expected ']]' to close '[['", at: offset - 2) }
        guard end - offset <= limits.stringLiteralCharactersMax else {
            throw error(.limitExceeded("stringLiteralCharactersMax"),
                        "a quoted name is longer than \(limits.stringLiteralCharactersMax) characters", at: offset - 2)
        }
        guard end > offset else { throw error(.syntax, "expected a name inside '[[ ]]'", at: offset - 2) }
        position = end + 2
        return string(offset..<end)
    }

    private func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic
    }

    static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || ("0"..."9").contains(scalar)
    }
}
