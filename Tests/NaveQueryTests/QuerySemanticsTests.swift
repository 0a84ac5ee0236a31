import NaveModel
import NaveQuery
import Testing

/// §1.4's table, row by row, and the rest of the value rules (numbers, strings, arithmetic).
@Suite("Query semantics")
struct QuerySemanticsTests {
    static let document = MessageTestDocument(
        system: ["$contentType": "application/json"],
        application: ["Level": "critical", "n": "12"],
        body: ["t": 21.5, "i": 3, "s": "abc", "b": true, "z": nil, "o": ["k": 1], "a": [1, 2, ["x": "y"]]],
        twin: ["tags": ["site": "paris"], "properties": ["reported": ["fw": "1.0"]]]
    )

    static let rows: [(String, QueryValue)] = [
        // Any comparison or arithmetic with an undefined operand is undefined.
        ("$body.missing = 1", .undefined),
        ("1 = $body.missing", .undefined),
        ("$body.missing != 1", .undefined),
        ("$body.missing + 1", .undefined),
        ("-$body.missing", .undefined),
        ("undefined = undefined", .undefined),
        // Different JSON types do not compare, except null = null.
        ("'2' = 2", .undefined),
        ("'2' != 2", .undefined),
        ("null < 1", .undefined),
        ("null = 0", .undefined),
        ("true = 1", .undefined),
        ("null = null", .value(true)),
        ("null != null", .value(false)),
        ("$body.z = null", .value(true)),
        ("$body.o = $body.o", .undefined),
        ("$body.a = $body.a", .undefined),
        // NOT.
        ("NOT undefined", .undefined),
        ("NOT true", .value(false)),
        ("NOT 1", .undefined),
        ("NOT null", .undefined),
        // AND / OR.
        ("false AND undefined", .value(false)),
        ("undefined AND false", .value(false)),
        ("true AND undefined", .undefined),
        ("true AND true", .value(true)),
        ("true AND 1", .undefined),
        ("false AND 'x'", .value(false)),
        ("true OR undefined", .value(true)),
        ("undefined OR true", .value(true)),
        ("false OR undefined", .undefined),
        ("false OR false", .value(false)),
        ("false OR null", .undefined),
        // IN / NIN.
        ("2 IN [1, 2]", .value(true)),
        ("2.0 IN [1, 2]", .value(true)),
        ("'2' IN [1, 2]", .value(false)),
        ("3 IN [1, 2]", .value(false)),
        ("null IN [null]", .value(true)),
        ("$body.missing IN [1]", .undefined),
        ("$body.missing NIN [1]", .undefined),
        ("'2' NIN [1, 2]", .value(true)),
        ("2 NIN [1, 2]", .value(false)),
        ("$body.o IN [1]", .value(false)),
        ("1 IN []", .value(false)),
        // Strings: ordinal, case-sensitive.
        ("'B' < 'a'", .value(true)),
        ("'a' = 'A'", .value(false)),
        ("'abc' < 'abd'", .value(true)),
        ("'ab' < 'abc'", .value(true)),
        ("'é' > 'z'", .value(true)),
        ("'2022-06-06T22:56:06Z' > '2022-06-06T22:56:05Z'", .value(true)),
        // Numbers by value, integers against doubles exactly.
        ("1 = 1.0", .value(true)),
        ("9007199254740993 > 9007199254740992.0", .value(true)),
        ("9007199254740993 = 9007199254740992.0", .value(false)),
        ("-9223372036854775807 - 1 < -9223372036854775808.0", .value(false)),
        ("9223372036854775807 < 9223372036854775808.0", .value(true)),
        ("2.5 > 2", .value(true)),
        ("-2.5 < -2", .value(true)),
        ("false < true", .value(true)),
        // Arithmetic on numbers only.
        ("'a' + 1", .undefined),
        ("'a' + 'b'", .undefined),
        ("true + 1", .undefined),
        ("1 + 2 * 3", .value(7)),
        ("7 / 2", .value(3.5)),
        ("6 / 2", .value(3)),
        ("7 % 3", .value(1)),
        ("-7 % 3", .value(-1)),
        ("7.5 % 2", .value(1.5)),
        ("1 / 0", .undefined),
        ("1 % 0", .undefined),
        ("1.0 / 0.0", .undefined),
        ("9223372036854775807 + 1", .value(9_223_372_036_854_775_808.0)),
        ("-(-9223372036854775807 - 1)", .value(9_223_372_036_854_775_808.0)),
        ("1e308 * 10", .undefined),
        ("$body.t - 0.5", .value(21)),
        // Paths, $-names and application properties.
        ("$body.a[1]", .value(2)),
        ("$body.a[2].x", .value("y")),
        ("$body.a[3]", .undefined),
        ("$body.s[0]", .undefined),
        ("$twin.tags.site = 'paris'", .value(true)),
        ("$TWIN.Tags.site = 'paris'", .value(true)),
        ("$twin.tags.Site = 'paris'", .undefined),
        ("$contentType", .value("application/json")),
        ("LEVEL = 'critical'", .value(true)),
        ("$level = 'critical'", .value(true)),
        ("n = 12", .undefined),
        ("AS_NUMBER(n) = 12", .value(true)),
        ("undefined", .undefined),
        ("[1, 'a']", .value([1, "a"])),
    ]

    @Test("§1.4 semantics", arguments: rows)
    func row(condition: String, expected: QueryValue) throws {
        let value = try QueryFixtures.value(condition, Self.document)
        #expect(value == expected, "\(condition)")
    }

    @Test("only Boolean true passes WHERE")
    func onlyTruePasses() throws {
        let docs: [(JSONValue, Bool)] = [(true, true), (false, false), (1, false), ("true", false), (nil, false), ([true], false),
                                         (["a": true], false)]
        let condition = try QueryParser.parseCondition("tags.flag", dialect: .twin)
        for (flag, passes) in docs {
            #expect(condition.isSatisfied(by: TwinQueryDocument(["tags": ["flag": flag]])) == passes, "\(flag)")
        }
        #expect(!condition.isSatisfied(by: TwinQueryDocument(["tags": [:]])))
    }

    @Test("built-in twin names match in any case, user keys exactly")
    func twinCase() throws {
        let twin = QueryFixtures.twin("d1", tags: ["Site": "paris"], reported: ["temp": 20])
        for condition in ["DEVICEID = 'd1'", "deviceid = 'd1'", "PROPERTIES.REPORTED.temp = 20", "Tags.Site = 'paris'",
                          "IS_DEFINED(tags.Site)", "ConnectionState = 'Disconnected'"] {
            #expect(try QueryParser.parseCondition(condition, dialect: .twin).isSatisfied(by: twin), "\(condition)")
        }
        for condition in ["tags.site = 'paris'", "properties.reported.TEMP = 20", "IS_DEFINED(tags.site)"] {
            #expect(try !QueryParser.parseCondition(condition, dialect: .twin).isSatisfied(by: twin), "\(condition)")
        }
    }

    @Test("device-job rows take devices.jobs.<field> and <field>")
    func deviceJobRows() throws {
        let row = DeviceJobQueryDocument(["deviceId": "d1", "jobId": "j1", "status": "completed",
                                          "createdDateTimeUtc": "2024-01-01T00:00:00Z"])
        for condition in ["devices.jobs.status = 'completed'", "status = 'completed'", "DEVICES.JOBS.JobId = 'j1'",
                          "devices.jobs.createdDateTimeUtc > '2016-09-01'"] {
            #expect(try QueryParser.parseCondition(condition, dialect: .twin).isSatisfied(by: row), "\(condition)")
        }
        #expect(try !QueryParser.parseCondition("devices.jobs.status = 'failed'", dialect: .twin).isSatisfied(by: row))
    }
}
