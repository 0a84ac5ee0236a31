import NaveModel
import NaveQuery
import Testing

/// Every construct of §1.3, checked through the canonical text of what it parses to (fully
/// parenthesized, so precedence and associativity show).
@Suite("Query grammar")
struct QueryGrammarTests {
    static let twinConditions: [(String, String)] = [
        ("a = 1", "(a = 1)"),
        ("a = 1 AND b = 2 OR c = 3", "(((a = 1) AND (b = 2)) OR (c = 3))"),
        ("a = 1 OR b = 2 AND c = 3", "((a = 1) OR ((b = 2) AND (c = 3)))"),
        ("NOT a = 1 AND b", "((NOT (a = 1)) AND b)"),
        ("not not a", "(NOT (NOT a))"),
        ("a + b * c - d / e % f", "((a + (b * c)) - ((d / e) % f))"),
        ("a - b - c", "((a - b) - c)"),
        ("(a - b) * c", "((a - b) * c)"),
        ("-a", "(-a)"),
        ("- -a", "(-(-a))"),
        ("-5", "-5"),
        ("a = -2.5", "(a = -2.5)"),
        ("0x1F = 0X0a", "(31 = 10)"),
        ("1.5e2 = 2E-1", "(150.0 = 0.2)"),
        ("12345678901234567890", "1.2345678901234567e+19"),
        ("'it\\'s' = \"say \\\"hi\\\"\"", "('it\\'s' = 'say \"hi\"')"),
        ("'back\\\\slash'", "'back\\\\slash'"),
        ("'\\u00e9\\uD83D\\uDE00'", "'é😀'"),
        ("\"it's\"", "'it\\'s'"),
        ("true AND FALSE OR Null = nULL", "((true AND false) OR (null = null))"),
        ("undefined", "undefined"),
        ("a = [1, 'x', [true, null], []]", "(a = [1, 'x', [true, null], []])"),
        ("a = 1 and b <> 2 AND c != 3", "(((a = 1) AND (b != 2)) AND (c != 3))"),
        ("a < 1 OR a > 2 OR a <= 3 OR a >= 4", "((((a < 1) OR (a > 2)) OR (a <= 3)) OR (a >= 4))"),
        ("x IN [1, 2, -3]", "(x IN [1, 2, -3])"),
        ("x nin ['a']", "(x NIN ['a'])"),
        ("x In []", "(x IN [])"),
        ("NOT x IN [1]", "(NOT (x IN [1]))"),
        ("tags.[[group]].name = 'x'", "(tags.[[group]].name = 'x')"),
        ("tags.group.name = 'x'", "(tags.[[group]].name = 'x')"),
        ("configurations.[[cfg-1]].status = 'Applied'", "(configurations.[[cfg-1]].status = 'Applied')"),
        ("[[weird key]] = 1", "([[weird key]] = 1)"),
        ("is_defined(tags.x)", "IS_DEFINED(tags.x)"),
        ("IS_DEFINED ( tags.x ) AND Is_Defined(y)", "(IS_DEFINED(tags.x) AND IS_DEFINED(y))"),
        // Built-in names fold to IoT Hub's spelling; user keys keep theirs.
        ("DeviceId = 'd' AND Properties.Reported.Temp > 1", "((deviceId = 'd') AND (properties.reported.Temp > 1))"),
        ("TAGS.Site = 'x' AND x509thumbprint.PRIMARYTHUMBPRINT = 'y'", "((tags.Site = 'x') AND (x509Thumbprint.primaryThumbprint = 'y'))"),
        ("Devices.Jobs.Status = 'completed'", "(devices.jobs.status = 'completed')"),
        ("  a\n=\t1\r\n", "(a = 1)"),
    ]

    @Test("twin-dialect conditions", arguments: twinConditions)
    func twinCondition(text: String, canonical: String) throws {
        let expression = try QueryParser.parseCondition(text, dialect: .twin)
        #expect(expression.description == canonical)
        #expect(try QueryParser.parseCondition(canonical, dialect: .twin) == expression)
    }

    static let routingConditions: [(String, String)] = [
        ("$body.a[0].b = 1", "($body.a[0].b = 1)"),
        ("$BODY.Temp > 10", "($body.Temp > 10)"),
        ("$dt-subject = 'thermostat1' AND $dt-dataschema = 'dtmi:x;1'", "(($dt-subject = 'thermostat1') AND ($dt-dataschema = 'dtmi:x;1'))"),
        ("$ContentType = 'application/json'", "($contentType = 'application/json')"),
        ("$twin.Tags.site = 'a' OR $twin.properties.REPORTED.x = 1", "(($twin.tags.site = 'a') OR ($twin.properties.reported.x = 1))"),
        ("$custom-prop = 'x'", "($custom-prop = 'x')"),
        ("level = 'critical'", "(level = 'critical')"),
        ("starts_with($body.s, 'a') AND ends_with($body.s, 'z')", "(STARTSWITH($body.s, 'a') AND ENDSWITH($body.s, 'z'))"),
        ("startswith(a, 'x') or EndsWith(a, 'y')", "(STARTSWITH(a, 'x') OR ENDSWITH(a, 'y'))"),
        ("concat(a, 'b', $body.c) = 'abc'", "(CONCAT(a, 'b', $body.c) = 'abc')"),
        ("substring(a, 1) = 'b' and substring(a, 0, 1) = 'a'", "((SUBSTRING(a, 1) = 'b') AND (SUBSTRING(a, 0, 1) = 'a'))"),
        ("power(abs(-2), 2) + square(sqrt(4)) * sign(-1)", "(POWER(ABS(-2), 2) + (SQUARE(SQRT(4)) * SIGN(-1)))"),
        ("$body.x - 1 = 2", "(($body.x - 1) = 2)"),
        ("$body.list[10][2] = 3", "($body.list[10][2] = 3)"),
        ("as_number(level) > 3", "(AS_NUMBER(level) > 3)"),
    ]

    @Test("routing-dialect conditions", arguments: routingConditions)
    func routingCondition(text: String, canonical: String) throws {
        let expression = try QueryParser.parseCondition(text, dialect: .routing)
        #expect(expression.description == canonical)
        #expect(try QueryParser.parseCondition(canonical, dialect: .routing) == expression)
    }

    @Test("every function of §1.5 parses in routing; only IS_DEFINED in the twin dialect")
    func functionDialects() throws {
        for function in QueryFunction.allCases {
            let count = function.argumentCounts.lowerBound
            let call = "\(function.rawValue.lowercased())(\(Array(repeating: "a", count: count).joined(separator: ", ")))"
            #expect(try QueryParser.parseCondition(call, dialect: .routing) == .call(function, Array(repeating: .path(QueryPath(names: "a")), count: count)))
            let refusal = QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseCondition(call, dialect: .twin) }
            #expect(refusal?.kind == (function == .isDefined ? nil : .unknownFunction))
        }
    }

    static let queries: [(String, String)] = [
        ("SELECT * FROM devices", "SELECT * FROM devices"),
        ("select * from DEVICES where Tags.x = 1", "SELECT * FROM devices WHERE (tags.x = 1)"),
        ("Select Top 5 DeviceId, LastActivityTime As t From Devices Where status = 'enabled'",
         "SELECT TOP 5 deviceId, lastActivityTime AS t FROM devices WHERE (status = 'enabled')"),
        ("SELECT * FROM devices.modules WHERE moduleId = 'm'", "SELECT * FROM devices.modules WHERE (moduleId = 'm')"),
        ("SELECT * FROM devices.jobs WHERE devices.jobs.status = 'completed'",
         "SELECT * FROM devices.jobs WHERE (devices.jobs.status = 'completed')"),
        ("SELECT COUNT() AS total FROM devices", "SELECT COUNT() AS total FROM devices"),
        ("SELECT count(), AVG(properties.reported.t), sum(properties.reported.t), min(properties.reported.t), max(properties.reported.t) FROM devices",
         "SELECT COUNT(), AVG(properties.reported.t), SUM(properties.reported.t), MIN(properties.reported.t), MAX(properties.reported.t) FROM devices"),
        ("SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status",
         "SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status"),
        ("SELECT COUNT() AS n FROM devices GROUP BY tags.site", "SELECT COUNT() AS n FROM devices GROUP BY tags.site"),
        ("SELECT count FROM devices", "SELECT count FROM devices"),
        ("SELECT tags.[[group]] FROM devices", "SELECT tags.[[group]] FROM devices"),
        ("SELECT TOP 2147483647 * FROM devices", "SELECT TOP 2147483647 * FROM devices"),
    ]

    @Test("whole queries", arguments: queries)
    func query(text: String, canonical: String) throws {
        let query = try QueryParser.parseQuery(text)
        #expect(query.description == canonical)
        #expect(try QueryParser.parseQuery(canonical) == query)
    }

    @Test("projection keys: alias, else the stored name of the last segment, else $n")
    func selectKeys() throws {
        let query = try QueryParser.parseQuery("SELECT DeviceId, properties.reported.Temp, [[a b]], tags.[[x.y]] FROM devices")
        #expect(!query.isAggregate)
        guard case .items(let projected) = query.selection else { Issue.record("no items"); return }
        #expect(projected.map(\.key) == ["deviceId", "Temp", "a b", "x.y"])
        let aggregate = try QueryParser.parseQuery("SELECT COUNT(), MAX(tags.x) AS top FROM devices")
        guard case .items(let items) = aggregate.selection, case .items(let grouped) = try QueryParser.parseQuery(
            "SELECT DeviceId AS id, COUNT() FROM devices GROUP BY DEVICEID").selection else { Issue.record("no items"); return }
        #expect(items.map(\.key) == ["$1", "top"])
        #expect(grouped.map(\.key) == ["id", "$2"])
    }

    @Test("job conditions: *, bare, and FROM devices.modules WHERE …")
    func scopedConditions() throws {
        #expect(try QueryParser.parseScopedCondition("*") == ScopedCondition(collection: .devices, condition: .literal(true)))
        #expect(try QueryParser.parseScopedCondition(" deviceId IN ['d1', 'd2'] ")
            == ScopedCondition(collection: .devices, condition: .membership(.path(QueryPath(names: "deviceId")), ["d1", "d2"], negated: false)))
        #expect(try QueryParser.parseScopedCondition("FROM devices.modules WHERE moduleId = 'x'")
            == ScopedCondition(collection: .modules, condition: .binary(.equal, .path(QueryPath(names: "moduleId")), .literal("x"))))
        #expect(try QueryParser.parseScopedCondition("from devices.modules").condition == .literal(true))
        #expect(QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseScopedCondition("FROM devices.jobs") }?.kind
            == .unsupported)
        #expect(QueryFixtures.refusal { () throws(QueryError) in _ = try QueryParser.parseScopedCondition("FROM devices WHERE") }?.offset
            == 18)
        #expect(try QueryParser.parseCondition("*", dialect: .twin) == .literal(true))
        #expect(throws: QueryError.self) { try QueryParser.parseCondition("*", dialect: .routing) }
    }
}
