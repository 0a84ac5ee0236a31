import NaveModel
import NaveQuery
import Testing

/// Random documents and conditions (seeded): NaveQuery's parser and evaluator against
/// `ReferenceInterpreter`, and parse → print → parse giving back the same tree.
@Suite("Query properties")
struct QueryPropertyTests {
    static let casesPerSeed = 1_500

    /// Same value: both undefined, or JSON-equal, or numbers within 1e-9 relative (EXP, POWER).
    static func agree(_ got: QueryValue, _ expected: JSONValue?) -> Bool {
        switch (got, expected) {
        case (.undefined, nil): return true
        case (.value(let value), let expected?):
            if value == expected { return true }
            guard let x = value.doubleValue, let y = expected.doubleValue, value.boolValue == nil else { return false }
            return Swift.abs(x - y) <= Swift.abs(y) * 1e-9
        default: return false
        }
    }

    @Test("twin dialect: evaluator = reference interpreter", arguments: [0x51EE_D001 as UInt64, 0x51EE_D002])
    func twinDialect(seed: UInt64) throws {
        try Self.compareWithReference(seed: seed, dialect: .twin) { generator in
            let twin = generator.twin()
            return (TwinQueryDocument(twin), { ReferenceInterpreter.lookup($0, in: twin) }, twin.serializedString())
        }
    }

    @Test("routing dialect: evaluator = reference interpreter", arguments: [0x80_07E0_01 as UInt64, 0x80_07E0_02])
    func routingDialect(seed: UInt64) throws {
        try Self.compareWithReference(seed: seed, dialect: .routing) { generator in
            let message = generator.message()
            return (message, { ReferenceInterpreter.lookup($0, in: message) }, "\(message)")
        }
    }

    /// `casesPerSeed` random conditions, each over a fresh document from `makeDocument` (the
    /// document, the reference's lookup into it, and how to print it).
    static func compareWithReference<Document: QueryDocument>(
        seed: UInt64, dialect: QueryDialect,
        makeDocument: (inout ReferenceGenerator) -> (Document, ([ReferenceSegment]) -> JSONValue?, String)
    ) throws {
        var generator = ReferenceGenerator(seed: seed, routing: dialect == .routing)
        var defined = 0
        for index in 0..<casesPerSeed {
            let expression = generator.expression(depth: 0)
            let text = generator.render(expression)
            let (document, lookup, printed) = makeDocument(&generator)
            let parsed: QueryExpression
            do { parsed = try QueryParser.parseCondition(text, dialect: dialect) } catch {
                Issue.record("seed \(seed) case \(index): \(text) refused: \(error)")
                continue
            }
            let got = parsed.evaluate(in: document)
            if got != .undefined { defined += 1 }
            let expected = ReferenceInterpreter.evaluate(expression, lookup)
            #expect(agree(got, expected), "seed \(seed) case \(index): \(text) over \(printed): got \(got), reference \(String(describing: expected))")
            #expect(try QueryParser.parseCondition(parsed.description, dialect: dialect) == parsed,
                    "seed \(seed) case \(index): \(text) printed as \(parsed.description)")
        }
        #expect(defined > casesPerSeed / 5, "seed \(seed): too few cases with a value to compare")
    }

    @Test("equality constraints are sound on random conditions", arguments: [0xC0_4571 as UInt64])
    func constraintsSound(seed: UInt64) throws {
        var generator = ReferenceGenerator(seed: seed, routing: false)
        var checked = 0
        for index in 0..<3_000 {
            // Conjunctions of equalities (often with the twin's own value) and other conditions.
            let document = generator.twin()
            var expression = generator.chance(50) ? .literal(true) : generator.expression(depth: 3)
            for _ in 0..<Int.random(in: 1...3, using: &generator.rng) {
                let path = generator.path()
                var literal = generator.scalar()
                if case .path(let segments, _) = path, generator.chance(70),
                   let own = ReferenceInterpreter.lookup(segments, in: document), own.arrayValue == nil, own.objectValue == nil {
                    literal = own
                }
                let equality: ReferenceExpression = generator.chance(50)
                    ? .binary("=", path, .literal(literal))
                    : .membership(path, [generator.scalar(), literal], negated: false)
                expression = .binary("AND", equality, expression)
            }
            let text = generator.render(expression)
            let condition = try QueryParser.parseCondition(text, dialect: .twin)
            let twin = TwinQueryDocument(document)
            guard condition.isSatisfied(by: twin) else { continue }
            checked += 1
            for constraint in condition.equalityConstraints() {
                let value = twin.value(at: constraint.path).jsonValue
                #expect(value.map { constraint.values.contains($0) } == true, "seed \(seed) case \(index): \(text)")
            }
        }
        #expect(checked > 100)
    }
}
