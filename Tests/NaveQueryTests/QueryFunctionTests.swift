import NaveModel
import NaveQuery
import Testing

/// The functions of §1.5 (routing dialect), each on good and wrong-typed arguments.
@Suite("Query functions")
struct QueryFunctionTests {
    static let document = MessageTestDocument(body: ["s": "Hello", "n": -2.5, "i": 4, "a": [1], "o": [:], "z": nil, "b": false])

    static let calls: [(String, QueryValue)] = [
        ("ABS(-3)", .value(3)), ("ABS($body.n)", .value(2.5)), ("ABS('x')", .undefined), ("ABS($body.missing)", .undefined),
        ("ABS(-9223372036854775807 - 1)", .value(9_223_372_036_854_775_808.0)),
        ("EXP(0)", .value(1)), ("EXP(1000)", .undefined), ("EXP(true)", .undefined),
        ("POWER(2, 10)", .value(1024)), ("POWER(2, -1)", .value(0.5)), ("POWER(-8, 0.5)", .undefined), ("POWER(4, 0.5)", .value(2)),
        ("POWER(2, 64)", .value(18_446_744_073_709_551_616.0)), ("POWER('2', 2)", .undefined), ("POWER(0, -1)", .undefined),
        ("SQUARE(3)", .value(9)), ("SQUARE(1.5)", .value(2.25)), ("SQUARE(null)", .undefined),
        ("CEILING(1.2)", .value(2)), ("CEILING(-1.2)", .value(-1)), ("CEILING(7)", .value(7)),
        ("FLOOR(1.8)", .value(1)), ("FLOOR(-1.2)", .value(-2)), ("FLOOR('1')", .undefined),
        ("SIGN(-4)", .value(-1)), ("SIGN(0)", .value(0)), ("SIGN(0.5)", .value(1)), ("SIGN([1])", .undefined),
        ("SQRT(9)", .value(3)), ("SQRT(-1)", .undefined), ("SQRT('9')", .undefined),
        ("AS_NUMBER('12')", .value(12)), ("AS_NUMBER('-1.5e2')", .value(-150)), ("AS_NUMBER(7)", .value(7)),
        ("AS_NUMBER('abc')", .undefined), ("AS_NUMBER('')", .undefined), ("AS_NUMBER('0x10')", .undefined),
        ("AS_NUMBER('inf')", .undefined), ("AS_NUMBER(' 1')", .undefined), ("AS_NUMBER(true)", .undefined), ("AS_NUMBER('1e999')", .undefined),
        ("IS_ARRAY($body.a)", .value(true)), ("IS_ARRAY($body.o)", .value(false)), ("IS_ARRAY($body.missing)", .value(false)),
        ("IS_BOOL($body.b)", .value(true)), ("IS_BOOL(0)", .value(false)),
        ("IS_DEFINED($body.z)", .value(true)), ("IS_DEFINED($body.missing)", .value(false)), ("IS_DEFINED($body.o)", .value(true)),
        ("IS_NULL($body.z)", .value(true)), ("IS_NULL($body.missing)", .value(false)), ("IS_NULL(0)", .value(false)),
        ("IS_NUMBER($body.n)", .value(true)), ("IS_NUMBER($body.i)", .value(true)), ("IS_NUMBER('1')", .value(false)),
        ("IS_OBJECT($body.o)", .value(true)), ("IS_OBJECT($body.a)", .value(false)),
        ("IS_PRIMITIVE($body.z)", .value(true)), ("IS_PRIMITIVE('s')", .value(true)), ("IS_PRIMITIVE($body.a)", .value(false)),
        ("IS_PRIMITIVE($body.missing)", .value(false)),
        ("IS_STRING($body.s)", .value(true)), ("IS_STRING(1)", .value(false)),
        ("CONCAT('a', 'b', 'c')", .value("abc")), ("CONCAT('a', 1)", .undefined), ("CONCAT('a', $body.missing)", .undefined),
        ("LENGTH($body.s)", .value(5)), ("LENGTH('é😀')", .value(2)), ("LENGTH(5)", .undefined),
        ("LOWER($body.s)", .value("hello")), ("UPPER($body.s)", .value("HELLO")), ("LOWER(1)", .undefined),
        ("SUBSTRING($body.s, 1)", .value("ello")), ("SUBSTRING($body.s, 1, 3)", .value("ell")), ("SUBSTRING($body.s, 0, 0)", .value("")),
        ("SUBSTRING($body.s, 4, 10)", .value("o")), ("SUBSTRING($body.s, 9)", .value("")), ("SUBSTRING($body.s, -2, 2)", .value("He")),
        ("SUBSTRING($body.s, 1.5)", .undefined), ("SUBSTRING($body.s, '1')", .undefined), ("SUBSTRING(1, 0)", .undefined),
        ("SUBSTRING('é😀x', 1, 1)", .value("😀")),
        ("INDEX_OF($body.s, 'l')", .value(2)), ("INDEX_OF($body.s, 'z')", .value(-1)), ("INDEX_OF($body.s, '')", .value(0)),
        ("INDEX_OF('é😀x', 'x')", .value(2)), ("INDEX_OF($body.s, 1)", .undefined),
        ("STARTSWITH($body.s, 'He')", .value(true)), ("STARTS_WITH($body.s, 'he')", .value(false)), ("STARTSWITH(1, 'a')", .undefined),
        ("ENDSWITH($body.s, 'lo')", .value(true)), ("ENDS_WITH($body.s, 'l')", .value(false)), ("ENDSWITH($body.s, 2)", .undefined),
        ("CONTAINS($body.s, 'ell')", .value(true)), ("CONTAINS($body.s, 'x')", .value(false)), ("CONTAINS($body.a, 'x')", .undefined),
    ]

    @Test("§1.5 functions", arguments: calls)
    func call(text: String, expected: QueryValue) throws {
        let value = try QueryFixtures.value(text, Self.document)
        #expect(value == expected, "\(text)")
    }

    @Test("EXP and POWER agree with the C library to a few ulps")
    func mathAccuracy() throws {
        for x in stride(from: -700.0, through: 700, by: 13.7) {
            guard case .value(let value) = try QueryFixtures.value("EXP(\(x))"), let got = value.doubleValue else { continue }
            #expect(Swift.abs(got - ReferenceMath.exp(x)) <= Swift.abs(ReferenceMath.exp(x)) * 1e-13, "EXP(\(x))")
        }
        for (base, exponent) in [(2.0, 0.5), (10.0, -3.3), (1.0001, 10_000.0), (0.5, 7.25), (123.0, 2.5), (-2.0, 3.0)] {
            guard case .value(let value) = try QueryFixtures.value("POWER(\(base), \(exponent))"), let got = value.doubleValue else {
                Issue.record("POWER(\(base), \(exponent)) undefined")
                continue
            }
            let expected = ReferenceMath.pow(base, exponent)
            #expect(Swift.abs(got - expected) <= Swift.abs(expected) * 1e-12, "POWER(\(base), \(exponent))")
        }
    }
}
