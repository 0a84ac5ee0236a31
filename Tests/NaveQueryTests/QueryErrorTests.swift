import NaveModel
import NaveQuery
import Testing

/// Refusals with their kind and position (0-based offset, 1-based line and column).
@Suite("Query errors")
struct QueryErrorTests {
    static let refusals: [(String, QueryError.Kind, Int)] = [
        ("SELECT * FROM things", .unknownCollection, 14),
        ("SELECT * FROM devices.twins", .unknownCollection, 14),
        ("SELECT * FROM", .unknownCollection, 13),
        ("SELECT * FROM devices WHERE foo(1)", .unknownFunction, 28),
        ("SELECT * FROM devices WHERE length(deviceId) = 2", .unknownFunction, 28),
        ("SELECT * FROM devices WHERE COUNT() = 1", .unknownFunction, 28),
        ("SELECT * FROM devices WHERE is_defined(a, b)", .wrongArgumentCount, 28),
        ("SELECT * FROM devices WHERE is_defined()", .wrongArgumentCount, 28),
        ("SELECT deviceId FROM devices.jobs", .unsupported, 7),
        ("SELECT COUNT() FROM devices.jobs", .unsupported, 7),
        ("SELECT * FROM devices.jobs GROUP BY status", .unsupported, 27),
        ("SELECT COUNT() FROM devices.modules GROUP BY moduleId", .unsupported, 36),
        ("SELECT deviceId, COUNT() FROM devices GROUP BY status", .unsupported, 7),
        ("SELECT * FROM devices GROUP BY status", .unsupported, 22),
        ("SELECT deviceId, COUNT() FROM devices", .unsupported, 7),
        ("SELECT tags.a, properties.reported.a FROM devices", .unsupported, 15),
        ("SELECT TOP 0 * FROM devices", .syntax, 11),
        ("SELECT TOP -1 * FROM devices", .syntax, 11),
        ("SELECT TOP 2147483648 * FROM devices", .syntax, 11),
        ("SELECT TOP 1.5 * FROM devices", .syntax, 11),
        ("SELECT * FROM devices WHERE", .syntax, 27),
        ("SELECT * FROM devices WHERE a = 1 b", .syntax, 34),
        ("SELECT * FROM devices WHERE $body.a = 1", .unsupported, 28),
        ("SELECT * FROM devices WHERE a[0] = 1", .unsupported, 29),
        ("SELECT * FROM devices WHERE a = 'abc", .syntax, 32),
        ("SELECT * FROM devices WHERE a = 'x\\n'", .syntax, 34),
        ("SELECT * FROM devices WHERE a = '\\u12'", .syntax, 33),
        ("SELECT * FROM devices WHERE a = '\\uD800'", .syntax, 33),
        ("SELECT * FROM devices WHERE a IN (1, 2)", .syntax, 33),
        ("SELECT * FROM devices WHERE a IN [b]", .syntax, 34),
        ("SELECT * FROM devices WHERE a IN [undefined]", .syntax, 34),
        ("SELECT * FROM devices WHERE a = = 1", .syntax, 32),
        ("SELECT * FROM devices WHERE a == 1", .syntax, 31),
        ("SELECT * FROM devices WHERE a ! 1", .syntax, 30),
        ("SELECT * FROM devices WHERE a = 1 = 2", .syntax, 34),
        ("SELECT * FROM devices WHERE (a = 1", .syntax, 34),
        ("SELECT * FROM devices WHERE a = 12abc", .syntax, 34),
        ("SELECT * FROM devices WHERE a = 0x", .syntax, 32),
        ("SELECT * FROM devices WHERE a = 0xFFFFFFFFFFFFFFFFF", .syntax, 32),
        ("SELECT * FROM devices WHERE a = 1e", .syntax, 32),
        ("SELECT * FROM devices WHERE a = 1e999", .syntax, 32),
        ("SELECT * FROM devices WHERE tags.[[x = 1", .syntax, 33),
        ("SELECT * FROM devices WHERE tags.[[]] = 1", .syntax, 33),
        ("SELECT * FROM devices WHERE tags. = 1", .syntax, 34),
        ("SELECT * FROM devices WHERE group = 1", .syntax, 28),
        ("SELECT * FROM devices WHERE a = #", .syntax, 32),
        ("SELECT FROM devices", .syntax, 7),
        ("SELECT *, deviceId FROM devices", .syntax, 8),
        ("SELECT deviceId AS FROM devices", .syntax, 19),
        ("UPDATE devices", .syntax, 0),
        ("", .syntax, 0),
    ]

    @Test("refusals name the kind and the position", arguments: refusals)
    func refusal(text: String, kind: QueryError.Kind, offset: Int) {
        let error = QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseQuery(text) }
        #expect(error?.kind == kind, "\(text): \(String(describing: error))")
        #expect(error?.offset == offset, "\(text): \(String(describing: error))")
        #expect(error?.line == 1 && error?.column == offset + 1)
    }

    @Test("routing refusals", arguments: [
        ("$ = 1", QueryError.Kind.syntax, 0), ("$body.a[-1] = 1", .syntax, 8), ("$body.a[x] = 1", .syntax, 8),
        ("nosuch(1)", .unknownFunction, 0), ("POWER(1)", .wrongArgumentCount, 0), ("SUBSTRING('a', 1, 2, 3)", .wrongArgumentCount, 0),
        ("CONCAT('a')", .wrongArgumentCount, 0), ("a = 1 AND", .syntax, 9),
    ])
    func routingRefusal(text: String, kind: QueryError.Kind, offset: Int) {
        let error = QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseCondition(text, dialect: .routing) }
        #expect(error?.kind == kind, "\(text): \(String(describing: error))")
        #expect(error?.offset == offset, "\(text): \(String(describing: error))")
    }

    @Test("a message says what was expected and what was found, with line and column")
    func message() throws {
        let error = QueryFixtures.refusal { () throws(QueryError) in
            _ = try QueryParser.parseQuery("SELECT *\nFROM devices\nWHERE a = = 1")
        }
        #expect(error?.line == 3)
        #expect(error?.column == 11)
        #expect(error?.offset == 32)
        #expect(error?.description == "expected an expression but found '=' at line 3, column 11 (offset 32)")
        #expect(error?.hubError.code == 400_004)
        #expect(error?.hubError.name == "ArgumentInvalid")
        #expect(error?.hubError.message.contains("line 3, column 11") == true)
        let unknown = QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseQuery("SELECT * FROM x") }
        #expect(unknown?.message.contains("devices.modules") == true)
    }
}
