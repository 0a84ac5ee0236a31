import NaveModel

/// Paths, array literals and function calls.
extension QueryParserState {
    /// A path starting at the current token (an identifier, a `$name` or `[[quoted]]`).
    mutating func path() throws(QueryError) -> QueryPath {
        let start = token.offset
        switch token.kind {
        case .identifier(let name):
            if let word = token.keyword, Self.reservedWords.contains(word) { throw expected("a property path") }
            try advance()
            return try path(continuing: .name(name), at: start)
        case .systemName(let name):
            guard dialect == .routing else {
                throw error(.unsupported, "'$' names are only allowed in routing conditions")
            }
            try advance()
            return try path(continuing: .name(name), at: start)
        case .symbol(.leftBracket) where lexer.scalar(at: start + 1) == "[":
            let name = try lexer.quotedName(from: start + 2)
            try advance()
            return try path(continuing: .name(name), at: start)
        default:
            throw expected("a property path")
        }
    }

    /// The rest of a path whose first segment was read: `.name`, `.[[quoted]]`, `[index]`.
    mutating func path(continuing first: QueryPath.Segment, at start: Int) throws(QueryError) -> QueryPath {
        var segments = [first]
        while true {
            let offset = token.offset
            if isSymbol(.dot) {
                try advance()
                switch token.kind {
                case .identifier(let name):
                    // Any word after a dot is a name: `tags.group` reads as `tags.[[group]]`.
                    segments.append(.name(name))
                    try advance()
                case .symbol(.leftBracket) where lexer.scalar(at: token.offset + 1) == "[":
                    segments.append(.name(try lexer.quotedName(from: token.offset + 2)))
                    try advance()
                default:
                    throw expected("a property name after '.'")
                }
            } else if isSymbol(.leftBracket), lexer.scalar(at: offset + 1) != "[" {
                guard dialect == .routing else {
                    throw error(.unsupported, "array indexes are only allowed in routing conditions")
                }
                try advance()
                guard case .number(.integer(let index)) = token.kind, index >= 0, index <= Int32.max else {
                    throw expected("an array index (a non-negative integer)")
                }
                try advance()
                try expect(.rightBracket)
                segments.append(.index(Int(index)))
            } else {
                return QueryPath(segments)
            }
            guard segments.count <= limits.pathSegmentsMax else {
                throw error(.limitExceeded("pathSegmentsMax"),
                            "a path has more than \(limits.pathSegmentsMax) segments", at: offset)
            }
        }
    }

    /// `[literal, …]` (possibly empty, possibly nested); `-` before a number negates it.
    mutating func arrayLiteral() throws(QueryError) -> [JSONValue] {
        let start = token.offset
        try expect(.leftBracket)
        try enter()
        defer { leave() }
        var elements: [JSONValue] = []
        if isSymbol(.rightBracket) {
            try advance()
            return elements
        }
        while true {
            guard elements.count < limits.arrayElementsMax else {
                throw error(.limitExceeded("arrayElementsMax"),
                            "an array has more than \(limits.arrayElementsMax) elements", at: start)
            }
            elements.append(try literal())
            if isSymbol(.comma) {
                try advance()
                continue
            }
            try expect(.rightBracket)
            return elements
        }
    }

    /// One literal inside an array.
    private mutating func literal() throws(QueryError) -> JSONValue {
        switch token.kind {
        case .number(let value):
            try advance()
            return value
        case .string(let text):
            try advance()
            return .string(text)
        case .symbol(.minus):
            try advance()
            guard case .number(let value) = token.kind, let negated = Self.negated(value) else {
                throw expected("a number after '-'")
            }
            try advance()
            return negated
        case .symbol(.leftBracket):
            return .array(try arrayLiteral())
        default:
            switch token.keyword {
            case "TRUE": try advance(); return true
            case "FALSE": try advance(); return false
            case "NULL": try advance(); return .null
            default: throw expected("a literal (number, string, true, false, null or array)")
            }
        }
    }

    /// `name(args)`, the current token being `(`; checks the dialect and the arity.
    mutating func call(_ name: String, at start: Int) throws(QueryError) -> ParsedExpression {
        guard let function = QueryFunction.named(name, in: dialect) else {
            let known = dialect == .twin ? "only IS_DEFINED is allowed in twin and job queries" : "see the routing query functions"
            throw error(.unknownFunction, "unknown function \(name) (\(known))", at: start)
        }
        try advance()
        try enter()
        defer { leave() }
        var arguments: [QueryExpression] = []
        var height = 1
        if isSymbol(.rightParen) {
            try advance()
        } else {
            while true {
                guard arguments.count < limits.functionArgumentsMax else {
                    throw error(.limitExceeded("functionArgumentsMax"),
                                "a call has more than \(limits.functionArgumentsMax) arguments")
                }
                let argument = try parseExpression()
                arguments.append(argument.expression)
                height = max(height, argument.height + 1)
                if isSymbol(.comma) {
                    try advance()
                    continue
                }
                try expect(.rightParen)
                break
            }
        }
        guard function.argumentCounts.contains(arguments.count) else {
            let counts = function.argumentCounts
            let wanted = counts.upperBound == Int.max ? "at least \(counts.lowerBound)"
                : counts.count == 1 ? "\(counts.lowerBound)" : "\(counts.lowerBound) to \(counts.upperBound)"
            throw error(.wrongArgumentCount,
                        "\(function.rawValue) takes \(wanted) argument\(wanted == "1" ? "" : "s") but was given \(arguments.count)",
                        at: start)
        }
        try checkHeight(height, at: start)
        return (.call(function, arguments), height)
    }
}
