import NaveModel

/// SELECT, FROM, WHERE and GROUP BY, and the restrictions of §1.6 on their combinations.
extension QueryParserState {
    mutating func query() throws(QueryError) -> Query {
        try expectKeyword("SELECT")
        var top: Int?
        if isKeyword("TOP") {
            try advance()
            guard case .number(.integer(let count)) = token.kind, count >= 1, count <= QueryLimits.topCountMax else {
                throw expected("a count from 1 to \(QueryLimits.topCountMax) after TOP")
            }
            top = Int(count)
            try advance()
        }
        var selection = QuerySelection.all
        var itemOffsets: [Int] = []
        if isSymbol(.star) {
            try advance()
        } else {
            var items: [QuerySelectItem] = []
            while true {
                guard items.count < limits.selectItemsMax else {
                    throw error(.limitExceeded("selectItemsMax"), "more than \(limits.selectItemsMax) items after SELECT")
                }
                itemOffsets.append(token.offset)
                items.append(try selectItem(position: items.count + 1))
                guard isSymbol(.comma) else { break }
                try advance()
            }
            selection = .items(items)
        }
        let fromOffset = token.offset
        let collection = try fromClause()
        var condition: QueryExpression?
        if isKeyword("WHERE") {
            try advance()
            condition = try expression()
        }
        var groupBy: QueryPath?
        var groupOffset = 0
        if isKeyword("GROUP") {
            groupOffset = token.offset
            try advance()
            try expectKeyword("BY")
            groupBy = try path()
        }
        let query = Query(top: top, selection: selection, collection: collection, condition: condition, groupBy: groupBy)
        try check(query, itemOffsets: itemOffsets, fromOffset: fromOffset, groupOffset: groupOffset)
        return query
    }

    /// A path or an aggregate, with `AS alias`.
    private mutating func selectItem(position: Int) throws(QueryError) -> QuerySelectItem {
        let start = token.offset
        var value: QuerySelectItem.Value
        if case .identifier(let name) = token.kind, let word = token.keyword,
           ["COUNT", "AVG", "SUM", "MIN", "MAX"].contains(word) {
            try advance()
            if isSymbol(.leftParen) {
                try advance()
                if word == "COUNT" {
                    value = .aggregate(.count)
                } else {
                    let path = try path()
                    switch word {
                    case "AVG": value = .aggregate(.average(path))
                    case "SUM": value = .aggregate(.sum(path))
                    case "MIN": value = .aggregate(.min(path))
                    default: value = .aggregate(.max(path))
                    }
                }
                try expect(.rightParen)
            } else {
                value = .path(try path(continuing: .name(name), at: start))
            }
        } else {
            value = .path(try path())
        }
        var alias: String?
        if isKeyword("AS") {
            try advance()
            // Any word but FROM, which is what follows a forgotten alias.
            guard case .identifier(let name) = token.kind, token.keyword != "FROM" else {
                throw expected("an alias after AS")
            }
            alias = name
            try advance()
        }
        var key = alias ?? "$\(position)"
        if alias == nil, case .path(let path) = value, let last = path.lastName { key = last }
        return QuerySelectItem(value: value, alias: alias, key: key)
    }

    /// IoT Hub's restrictions (§1.6): `devices.jobs` takes only `SELECT *` without GROUP BY;
    /// GROUP BY is for device twins only, needs items, and allows no path but its own beside
    /// the aggregates; without GROUP BY aggregates and paths do not mix; keys are unique.
    private func check(_ query: Query, itemOffsets: [Int], fromOffset: Int, groupOffset: Int) throws(QueryError) {
        if query.collection == .deviceJobs, case .items = query.selection {
            throw error(.unsupported, "queries on devices.jobs support only SELECT *", at: itemOffsets.first)
        }
        if query.groupBy != nil {
            switch query.collection {
            case .devices: break
            case .modules, .deviceJobs:
                throw error(.unsupported, "GROUP BY is supported on devices only, not \(query.collection.rawValue)", at: groupOffset)
            }
        }
        guard case .items(let items) = query.selection else {
            if query.groupBy != nil { throw error(.unsupported, "GROUP BY needs aggregates after SELECT, not *", at: groupOffset) }
            return
        }
        let hasAggregate = items.contains { $0.aggregate != nil }
        var keys: Set<String> = []
        for (position, item) in items.enumerated() {
            let offset = itemOffsets[position]
            if let path = item.path {
                if let group = query.groupBy {
                    guard path == group else {
                        throw error(.unsupported, "with GROUP BY, a path after SELECT must be the grouping path", at: offset)
                    }
                } else if hasAggregate {
                    throw error(.unsupported, "a path beside aggregates needs GROUP BY on that path", at: offset)
                }
            }
            guard keys.insert(item.key).inserted else {
                throw error(.unsupported, "two items after SELECT are both named '\(item.key)'; give one an alias", at: offset)
            }
        }
    }
}
