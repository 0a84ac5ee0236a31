import NaveCodecTestSupport
import NaveModel

/// The property tests' own expression tree: generated at random, rendered to query text (with
/// random keyword and built-in-name case, spacing and quoting) for NaveQuery's parser, and
/// evaluated directly by `ReferenceInterpreter`.
indirect enum ReferenceExpression {
    case literal(JSONValue)
    case undefined
    /// Canonical segments (names or indexes) and the text that writes them.
    case path([ReferenceSegment], text: String)
    case not(ReferenceExpression)
    case negate(ReferenceExpression)
    case binary(String, ReferenceExpression, ReferenceExpression)
    case membership(ReferenceExpression, [JSONValue], negated: Bool)
    case call(String, [ReferenceExpression])
}

enum ReferenceSegment: Equatable {
    case name(String)
    case index(Int)
}

/// Random documents and expressions from a seed.
struct ReferenceGenerator {
    var rng: SeededGenerator
    let routing: Bool

    static let strings = ["", "a", "b", "A", "ab", "abc", "é", "😀", "1", "2.5", "x y", "it's"]
    static let userKeys = ["a", "b", "A"]
    static let operators = ["=", "!=", "<>", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "AND", "OR"]
    static let routingFunctions: [(String, Int)] = [
        ("ABS", 1), ("EXP", 1), ("POWER", 2), ("SQUARE", 1), ("CEILING", 1), ("FLOOR", 1), ("SIGN", 1), ("SQRT", 1),
        ("AS_NUMBER", 1), ("IS_ARRAY", 1), ("IS_BOOL", 1), ("IS_DEFINED", 1), ("IS_NULL", 1), ("IS_NUMBER", 1),
        ("IS_OBJECT", 1), ("IS_PRIMITIVE", 1), ("IS_STRING", 1), ("CONCAT", 2), ("CONCAT", 3), ("LENGTH", 1), ("LOWER", 1),
        ("UPPER", 1), ("SUBSTRING", 2), ("SUBSTRING", 3), ("INDEX_OF", 2), ("STARTSWITH", 2), ("STARTS_WITH", 2),
        ("ENDSWITH", 2), ("ENDS_WITH", 2), ("CONTAINS", 2),
    ]

    init(seed: UInt64, routing: Bool) {
        rng = SeededGenerator(seed: seed)
        self.routing = routing
    }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    mutating func pick<T>(_ choices: [T]) -> T { choices.randomElement(using: &rng)! }

    /// `word` in a random case.
    mutating func randomCase(_ word: String) -> String {
        String(word.map { chance(50) ? Character($0.uppercased()) : Character($0.lowercased()) })
    }

    mutating func scalar() -> JSONValue {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .integer(Int64.random(in: -3...3, using: &rng))
        case 1: return .double(Double(Int.random(in: -6...6, using: &rng)) / 2 + 0.25)
        case 2: return .string(pick(Self.strings))
        case 3: return .bool(chance(50))
        default: return .null
        }
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        guard depth < 2, chance(25) else { return scalar() }
        if chance(50) { return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth: depth + 1) }) }
        var object = JSONObject()
        for key in Self.userKeys where chance(50) { object[key] = value(depth: depth + 1) }
        return .object(object)
    }

    mutating func userObject() -> JSONValue {
        var object = JSONObject()
        for key in Self.userKeys where chance(70) { object[key] = value() }
        return .object(object)
    }

    /// A twin in IoT Hub's shape, with random parts missing.
    mutating func twin() -> JSONValue {
        var object = JSONObject()
        if chance(90) { object["deviceId"] = .string(pick(Self.strings)) }
        if chance(80) { object["status"] = value() }
        if chance(90) { object["tags"] = userObject() }
        if chance(90) {
            var properties = JSONObject()
            if chance(90) { properties["desired"] = userObject() }
            if chance(90) { properties["reported"] = userObject() }
            object["properties"] = .object(properties)
        }
        return .object(object)
    }

    /// A message: application properties (strings), a JSON body, a twin.
    mutating func message() -> MessageTestDocument {
        var application: [String: String] = [:]
        for name in ["level", "Kind"] where chance(70) { application[name] = pick(Self.strings) }
        return MessageTestDocument(system: chance(80) ? ["$contentType": "application/json"] : [:], application: application,
                                   body: chance(90) ? .object(["a": value(), "b": value(), "list": .array([value(), value()])]) : nil,
                                   twin: chance(90) ? twin() : nil)
    }

    mutating func path() -> ReferenceExpression {
        if routing {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                let name = pick(["level", "kind", "missing"])
                return .path([.name(name)], text: randomCase(name))
            case 1:
                let key = pick(["a", "b", "list"])
                var segments: [ReferenceSegment] = [.name("$body"), .name(key)]
                var text = randomCase("$body") + "." + key
                if key == "list" || chance(20) {
                    let index = Int.random(in: 0...2, using: &rng)
                    segments.append(.index(index))
                    text += "[\(index)]"
                }
                return .path(segments, text: text)
            case 2:
                return .path([.name("$contentType")], text: randomCase("$contentType"))
            default:
                let (segments, text) = twinPath()
                return .path([.name("$twin")] + segments, text: randomCase("$twin") + "." + text)
            }
        }
        let (segments, text) = twinPath()
        return .path(segments, text: text)
    }

    /// A twin path: built-in names in random case, user keys exact, sometimes `[[quoted]]`.
    mutating func twinPath() -> ([ReferenceSegment], String) {
        func write(_ name: String, builtIn: Bool, _ generator: inout ReferenceGenerator) -> String {
            let spelled = builtIn ? generator.randomCase(name) : name
            return generator.chance(15) ? "[[\(spelled)]]" : spelled
        }
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            let name = pick(["deviceId", "status"])
            return ([.name(name)], write(name, builtIn: true, &self))
        case 1:
            let key = pick(Self.userKeys)
            return ([.name("tags"), .name(key)], write("tags", builtIn: true, &self) + "." + write(key, builtIn: false, &self))
        case 2:
            return ([.name("tags")], write("tags", builtIn: true, &self))
        default:
            let section = pick(["desired", "reported"])
            let key = pick(Self.userKeys)
            return ([.name("properties"), .name(section), .name(key)],
                    write("properties", builtIn: true, &self) + "." + write(section, builtIn: true, &self) + "." + write(key, builtIn: false, &self))
        }
    }

    mutating func expression(depth: Int) -> ReferenceExpression {
        if depth >= 4 || chance(25) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...4: return path()
            case 5: return .undefined
            default: return .literal(chance(90) ? scalar() : .array([scalar()]))
            }
        }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return .not(expression(depth: depth + 1))
        case 1: return .negate(expression(depth: depth + 1))
        case 2:
            return .membership(expression(depth: depth + 1), (0..<Int.random(in: 0...3, using: &rng)).map { _ in scalar() },
                               negated: chance(40))
        case 3:
            if routing {
                let (name, count) = pick(Self.routingFunctions)
                return .call(name, (0..<count).map { _ in expression(depth: depth + 1) })
            }
            return .call("IS_DEFINED", [expression(depth: depth + 1)])
        default:
            return .binary(pick(Self.operators), expression(depth: depth + 1), expression(depth: depth + 1))
        }
    }

    /// Query text for `expression`, fully parenthesized, keywords in random case.
    mutating func render(_ expression: ReferenceExpression) -> String {
        switch expression {
        case .literal(let value): return literal(value)
        case .undefined: return randomCase("undefined")
        case .path(_, let text): return text
        case .not(let operand): return "(\(randomCase("not")) \(render(operand)))"
        case .negate(let operand): return "(-\(render(operand)))"
        case .binary(let op, let left, let right):
            let word = op == "AND" || op == "OR" ? randomCase(op) : op
            return "(\(render(left))\(chance(50) ? " " : "  ")\(word) \(render(right)))"
        case .membership(let operand, let elements, let negated):
            return "(\(render(operand)) \(randomCase(negated ? "nin" : "in")) [\(elements.map { literal($0) }.joined(separator: ","))])"
        case .call(let name, let arguments):
            return "\(randomCase(name))(\(arguments.map { render($0) }.joined(separator: ", ")))"
        }
    }

    mutating func literal(_ value: JSONValue) -> String {
        switch value {
        case .null: return randomCase("null")
        case .bool(let flag): return randomCase(flag ? "true" : "false")
        case .integer(let number): return chance(20) && number >= 0 ? "0x" + String(number, radix: 16) : String(number)
        case .double(let number): return "\(number)"
        case .string(let text):
            let quote = chance(50) ? "'" : "\""
            var written = quote
            for scalar in text.unicodeScalars {
                if String(scalar) == quote || scalar == "\\" {
                    written += "\\" + String(scalar)
                } else {
                    written += chance(10) ? "\\u" + String(format4: scalar) : String(scalar)
                }
            }
            return written + quote
        case .array(let elements): return "[" + elements.map { literal($0) }.joined(separator: ", ") + "]"
        case .object: return "null"
        }
    }
}

extension String {
    /// Four hex digits for a BMP scalar, or the UTF-16 surrogate pair's two escapes' digits.
    init(format4 scalar: Unicode.Scalar) {
        let units = Array(String(scalar).utf16)
        let hex = units.map { unit -> String in
            let digits = String(unit, radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }
        self = hex.joined(separator: "\\u")
    }
}
