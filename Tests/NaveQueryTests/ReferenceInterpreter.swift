import Foundation
import NaveModel

/// A deliberately simple evaluator written from the reference's rules (§1.4, §1.5) alone, to
/// hold NaveQuery's evaluator to: nil is `undefined`; numbers are compared and computed as
/// Doubles (the generator keeps them small and exact); strings compare scalar by scalar.
enum ReferenceInterpreter {
    typealias Value = JSONValue?

    /// A twin document: canonical segments looked up exactly.
    static func lookup(_ segments: [ReferenceSegment], in root: JSONValue?) -> Value {
        var current = root
        for segment in segments {
            switch (segment, current) {
            case (.name(let name), .object(let object)?): current = object[name]
            case (.index(let index), .array(let elements)?): current = index < elements.count ? elements[index] : Value.none
            default: return nil
            }
        }
        return current
    }

    /// A message: `$body…`, `$twin…`, `$contentType`, or an application property by any case.
    static func lookup(_ segments: [ReferenceSegment], in message: MessageTestDocument) -> Value {
        guard case .name(let first) = segments[0] else { return nil }
        let rest = Array(segments.dropFirst())
        if first == "$body" { return rest.isEmpty ? nil : lookup(rest, in: message.body) }
        if first == "$twin" { return rest.isEmpty ? nil : lookup(rest, in: message.twin) }
        if first == "$contentType" { return message.system["$contentType"].map(JSONValue.string) }
        return message.application.first { $0.key.lowercased() == first.lowercased() }.map { .string($0.value) }
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .integer(let n)?: return Double(n)
        case .double(let d)?: return d
        default: return nil
        }
    }

    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        switch (a, b) {
        case (.null, .null): return 0
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.string(let x), .string(let y)):
            let xs = x.unicodeScalars.map(\.value), ys = y.unicodeScalars.map(\.value)
            return xs == ys ? 0 : (xs.lexicographicallyPrecedes(ys) ? -1 : 1)
        default:
            guard let x = number(a), let y = number(b) else { return nil }
            return x == y ? 0 : (x < y ? -1 : 1)
        }
    }

    static func finite(_ number: Double) -> Value { number.isFinite ? .double(number) : nil }

    static func evaluate(_ expression: ReferenceExpression, _ lookup: ([ReferenceSegment]) -> Value) -> Value {
        switch expression {
        case .literal(let value): return value
        case .undefined: return nil
        case .path(let segments, _): return lookup(segments)
        case .not(let operand):
            if case .bool(let flag)? = evaluate(operand, lookup) { return .bool(!flag) }
            return nil
        case .negate(let operand):
            return number(evaluate(operand, lookup)).flatMap { finite(-$0) }
        case .binary(let op, let left, let right):
            let a = evaluate(left, lookup), b = evaluate(right, lookup)
            switch op {
            case "AND":
                if a == .bool(false) || b == .bool(false) { return .bool(false) }
                return a == .bool(true) && b == .bool(true) ? .bool(true) : nil
            case "OR":
                if a == .bool(true) || b == .bool(true) { return .bool(true) }
                return a == .bool(false) && b == .bool(false) ? .bool(false) : nil
            case "=", "!=", "<>", "<", ">", "<=", ">=":
                guard let a, let b, let order = compare(a, b) else { return nil }
                switch op {
                case "=": return .bool(order == 0)
                case "<": return .bool(order < 0)
                case ">": return .bool(order > 0)
                case "<=": return .bool(order <= 0)
                case ">=": return .bool(order >= 0)
                default: return .bool(order != 0)
                }
            default:
                guard let x = number(a), let y = number(b) else { return nil }
                switch op {
                case "+": return finite(x + y)
                case "-": return finite(x - y)
                case "*": return finite(x * y)
                case "/": return y == 0 ? nil : finite(x / y)
                default: return y == 0 ? nil : finite(x.truncatingRemainder(dividingBy: y))
                }
            }
        case .membership(let operand, let elements, let negated):
            guard let value = evaluate(operand, lookup) else { return nil }
            let found = elements.contains { compare(value, $0) == 0 }
            return .bool(found != negated)
        case .call(let name, let arguments):
            return call(name, arguments.map { evaluate($0, lookup) })
        }
    }

    static func call(_ name: String, _ args: [Value]) -> Value {
        let value = args[0]
        switch name {
        case "IS_DEFINED": return .bool(value != nil)
        case "IS_NULL": return .bool(value == .null)
        case "IS_BOOL": if case .bool? = value { return .bool(true) } else { return .bool(false) }
        case "IS_NUMBER": return .bool(number(value) != nil)
        case "IS_STRING": if case .string? = value { return .bool(true) } else { return .bool(false) }
        case "IS_ARRAY": if case .array? = value { return .bool(true) } else { return .bool(false) }
        case "IS_OBJECT": if case .object? = value { return .bool(true) } else { return .bool(false) }
        case "IS_PRIMITIVE":
            switch value {
            case .null?, .bool?, .integer?, .double?, .string?: return .bool(true)
            default: return .bool(false)
            }
        default: break
        }
        if name == "CONCAT" {
            var text = ""
            for arg in args {
                guard case .string(let part)? = arg else { return nil }
                text += part
            }
            return .string(text)
        }
        if let x = number(value) {
            switch name {
            case "ABS": return finite(Swift.abs(x))
            case "EXP": return finite(Foundation.exp(x))
            case "SQUARE": return finite(x * x)
            case "CEILING": return finite(x.rounded(.up))
            case "FLOOR": return finite(x.rounded(.down))
            case "SIGN": return .integer(x > 0 ? 1 : x < 0 ? -1 : 0)
            case "SQRT": return x < 0 ? nil : finite(x.squareRoot())
            case "AS_NUMBER": return value
            case "POWER":
                guard let y = number(args[1]) else { return nil }
                return finite(Foundation.pow(x, y))
            default: return nil
            }
        }
        guard case .string(let text)? = value else { return nil }
        let scalars = Array(text.unicodeScalars)
        switch name {
        case "AS_NUMBER":
            guard text.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil, let number = Double(text) else { return nil }
            return finite(number)
        case "LENGTH": return .integer(Int64(scalars.count))
        case "LOWER": return .string(text.lowercased())
        case "UPPER": return .string(text.uppercased())
        case "SUBSTRING":
            guard let start = number(args[1]), start.rounded() == start else { return nil }
            var length = Double(scalars.count)
            if args.count > 2 {
                guard let given = number(args[2]), given.rounded() == given else { return nil }
                length = given
            }
            let from = Int(min(max(start, 0), Double(scalars.count)))
            let to = length <= 0 ? from : min(scalars.count, from + Int(min(length, Double(scalars.count))))
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[from..<to])
            return .string(String(view))
        default: break
        }
        guard args.count == 2, case .string(let other)? = args[1] else { return nil }
        let needle = Array(other.unicodeScalars)
        let index = needle.count > scalars.count ? nil : (0...(scalars.count - needle.count)).first {
            Array(scalars[$0..<($0 + needle.count)]) == needle
        }
        switch name {
        case "INDEX_OF": return .integer(Int64(index ?? -1))
        case "CONTAINS": return .bool(index != nil)
        case "STARTSWITH", "STARTS_WITH": return .bool(scalars.starts(with: needle))
        case "ENDSWITH", "ENDS_WITH": return .bool(scalars.reversed().starts(with: needle.reversed()))
        default: return nil
        }
    }
}
