import NaveModel
import NaveQuery
import Testing

/// Every limit of `QueryLimits`: the largest input allowed parses, one more is refused with
/// the limit's name, and input far beyond a limit is refused without deep recursion.
@Suite("Query limits")
struct QueryLimitTests {
    static func kind(_ text: String, dialect: QueryDialect = .twin, limits: QueryLimits = .standard) -> QueryError.Kind? {
        QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseCondition(text, dialect: dialect, limits: limits) }?.kind
    }

    static func queryKind(_ text: String, limits: QueryLimits = .standard) -> QueryError.Kind? {
        QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseQuery(text, limits: limits) }?.kind
    }

    @Test("query length: 8192 characters")
    func queryLength() {
        let prefix = "SELECT * FROM devices WHERE tags.x = '"
        let exact = prefix + String(repeating: "é", count: 8_192 - prefix.count - 1) + "'"
        #expect(exact.unicodeScalars.count == 8_192)
        let roomyStrings = QueryLimits(stringLiteralCharactersMax: 10_000)
        #expect(Self.queryKind(exact, limits: roomyStrings) == nil)
        let over = prefix + String(repeating: "é", count: 8_192 - prefix.count) + "'"
        #expect(Self.queryKind(over, limits: roomyStrings) == .limitExceeded("queryCharactersMax"))
        let error = QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseQuery(over) }
        #expect(error?.offset == 8_192)
    }

    @Test("expression depth: parentheses, NOT, unary minus, operator chains, calls, arrays")
    func depth() {
        let small = QueryLimits(expressionDepthMax: 4)
        #expect(Self.kind("(((a)))", limits: small) == nil)
        #expect(Self.kind("((((a))))", limits: small) == .limitExceeded("expressionDepthMax"))
        #expect(Self.kind("NOT NOT NOT a", limits: small) == nil)
        #expect(Self.kind("NOT NOT NOT NOT a", limits: small) == .limitExceeded("expressionDepthMax"))
        #expect(Self.kind("a AND b AND c AND d", limits: small) == nil)
        #expect(Self.kind("a AND b AND c AND d AND e", limits: small) == .limitExceeded("expressionDepthMax"))
        #expect(Self.kind("1 + 2 + 3 + 4 + 5", limits: small) == .limitExceeded("expressionDepthMax"))
        #expect(Self.kind("- - - - a", limits: small) == .limitExceeded("expressionDepthMax"))
        #expect(Self.kind("a IN [[[[1]]]]", limits: small) == .limitExceeded("expressionDepthMax"))
        #expect(Self.kind("ABS(ABS(ABS(ABS(a))))", dialect: .routing, limits: small) == .limitExceeded("expressionDepthMax"))
        // Far beyond the default bound: refused, not a stack overflow.
        for huge in [String(repeating: "(", count: 100_000) + "a", String(repeating: "NOT ", count: 50_000) + "a",
                     String(repeating: "-", count: 100_000) + "a", Array(repeating: "a", count: 20_000).joined(separator: " AND "),
                     "a IN " + String(repeating: "[", count: 100_000)] {
            #expect(Self.kind(huge, limits: QueryLimits(queryCharactersMax: 1 << 20)) == .limitExceeded("expressionDepthMax"))
        }
        let deepest = Array(repeating: "a", count: 65).joined(separator: " AND ")
        #expect(Self.kind(deepest) == .limitExceeded("expressionDepthMax"))
        #expect(Self.kind(Array(repeating: "a", count: 64).joined(separator: " AND ")) == nil)
    }

    @Test("path segments: 32")
    func pathSegments() {
        let path = { (count: Int) in (0..<count).map { "s\($0)" }.joined(separator: ".") + " = 1" }
        #expect(Self.kind(path(32)) == nil)
        #expect(Self.kind(path(33)) == .limitExceeded("pathSegmentsMax"))
        #expect(Self.kind("$body" + String(repeating: "[0]", count: 31) + " = 1", dialect: .routing) == nil)
        #expect(Self.kind("$body" + String(repeating: "[0]", count: 32) + " = 1", dialect: .routing) == .limitExceeded("pathSegmentsMax"))
    }

    @Test("array elements: 1000")
    func arrayElements() {
        let list = { (count: Int) in "a IN [" + (0..<count).map(String.init).joined(separator: ",") + "]" }
        #expect(Self.kind(list(1_000)) == nil)
        #expect(Self.kind(list(1_001)) == .limitExceeded("arrayElementsMax"))
    }

    @Test("select items: 64")
    func selectItems() {
        let select = { (count: Int) in "SELECT " + (0..<count).map { "tags.t\($0)" }.joined(separator: ", ") + " FROM devices" }
        #expect(Self.queryKind(select(64)) == nil)
        #expect(Self.queryKind(select(65)) == .limitExceeded("selectItemsMax"))
    }

    @Test("function arguments: 16")
    func functionArguments() {
        let concat = { (count: Int) in "CONCAT(" + Array(repeating: "'a'", count: count).joined(separator: ", ") + ") = 'x'" }
        #expect(Self.kind(concat(16), dialect: .routing) == nil)
        #expect(Self.kind(concat(17), dialect: .routing) == .limitExceeded("functionArgumentsMax"))
    }

    @Test("string literals and quoted names: 4096 characters")
    func stringLength() {
        #expect(Self.kind("a = '" + String(repeating: "x", count: 4_096) + "'") == nil)
        #expect(Self.kind("a = '" + String(repeating: "x", count: 4_097) + "'") == .limitExceeded("stringLiteralCharactersMax"))
        #expect(Self.kind("tags.[[" + String(repeating: "x", count: 4_096) + "]] = 1") == nil)
        #expect(Self.kind("tags.[[" + String(repeating: "x", count: 4_097) + "]] = 1") == .limitExceeded("stringLiteralCharactersMax"))
    }

    @Test("TOP: 1...Int32.max")
    func top() {
        #expect(Self.queryKind("SELECT TOP 1 * FROM devices") == nil)
        #expect(Self.queryKind("SELECT TOP 2147483647 * FROM devices") == nil)
        #expect(Self.queryKind("SELECT TOP 2147483648 * FROM devices") == .syntax)
        #expect(Self.queryKind("SELECT TOP 0 * FROM devices") == .syntax)
    }
}
