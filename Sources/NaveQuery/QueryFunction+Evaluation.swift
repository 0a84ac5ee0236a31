import NaveModel

/// The functions of §1.5 over evaluated arguments. An argument of the wrong type, or an
/// `undefined` one, gives `undefined` (§1.5's recommendation); `IS_DEFINED` and the type tests
/// are the exceptions, defined for every argument. String positions and lengths count Unicode
/// scalars.
extension QueryFunction {
    func evaluate<Document: QueryDocument>(_ arguments: [QueryExpression], in document: Document) -> QueryValue {
        switch self {
        case .isDefined, .isArray, .isBool, .isNull, .isNumber, .isObject, .isPrimitive, .isString:
            return .value(.bool(test(arguments[0].evaluate(in: document))))
        case .concat:
            var result = ""
            for argument in arguments {
                guard case .value(.string(let text)) = argument.evaluate(in: document) else { return .undefined }
                result += text
            }
            return .value(.string(result))
        default:
            break
        }
        var values: [JSONValue] = []
        values.reserveCapacity(arguments.count)
        for argument in arguments {
            guard case .value(let value) = argument.evaluate(in: document) else { return .undefined }
            values.append(value)
        }
        switch self {
        case .abs, .exp, .square, .ceiling, .floor, .sign, .sqrt:
            return math(values[0])
        case .power:
            guard let base = values[0].numberValue, let exponent = values[1].numberValue else { return .undefined }
            if case .integer(let b) = values[0], case .integer(let e) = values[1], let exact = QueryMath.power(b, e) {
                return .value(.integer(exact))
            }
            return QueryArithmetic.finite(QueryMath.power(base, exponent))
        case .asNumber:
            switch values[0] {
            case .integer, .double: return .value(values[0])
            case .string(let text): return QueryMath.number(text).map(QueryValue.value) ?? .undefined
            default: return .undefined
            }
        default:
            return string(values)
        }
    }

    /// The type tests (`IS_DEFINED`: any value, `null` included).
    private func test(_ value: QueryValue) -> Bool {
        guard case .value(let json) = value else { return false }
        switch (self, json) {
        case (.isDefined, _): return true
        case (.isArray, .array), (.isBool, .bool), (.isNull, .null), (.isObject, .object), (.isString, .string),
             (.isNumber, .integer), (.isNumber, .double):
            return true
        case (.isPrimitive, .null), (.isPrimitive, .bool), (.isPrimitive, .integer), (.isPrimitive, .double),
             (.isPrimitive, .string):
            return true
        default: return false
        }
    }

    private func math(_ value: JSONValue) -> QueryValue {
        if case .integer(let number) = value {
            switch self {
            case .abs where number != .min: return .value(.integer(Swift.abs(number)))
            case .square:
                let (result, overflow) = number.multipliedReportingOverflow(by: number)
                if !overflow { return .value(.integer(result)) }
            case .ceiling, .floor: return .value(value)
            case .sign: return .value(.integer(number.signum()))
            default: break
            }
        }
        guard let number = value.numberValue else { return .undefined }
        switch self {
        case .abs: return QueryArithmetic.finite(Swift.abs(number))
        case .exp: return QueryArithmetic.finite(QueryMath.exp(number))
        case .square: return QueryArithmetic.finite(number * number)
        case .ceiling: return QueryArithmetic.finite(number.rounded(.up))
        case .floor: return QueryArithmetic.finite(number.rounded(.down))
        case .sign: return .value(.integer(number > 0 ? 1 : number < 0 ? -1 : 0))
        case .sqrt: return number < 0 ? .undefined : QueryArithmetic.finite(number.squareRoot())
        default: return .undefined
        }
    }

    private func string(_ values: [JSONValue]) -> QueryValue {
        guard case .string(let text) = values[0] else { return .undefined }
        switch self {
        case .length:
            return .value(.integer(Int64(text.unicodeScalars.count)))
        case .lower:
            return .value(.string(text.lowercased()))
        case .upper:
            return .value(.string(text.uppercased()))
        case .substring:
            guard let start = values[1].int64Value else { return .undefined }
            var length = Int64.max
            if values.count > 2 {
                guard let given = values[2].int64Value else { return .undefined }
                length = given
            }
            let scalars = text.unicodeScalars
            let count = Int64(scalars.count)
            let from = Swift.min(Swift.max(start, 0), count)
            let to = length <= 0 ? from : Swift.min(count, from + Swift.min(length, count))
            let lower = scalars.index(scalars.startIndex, offsetBy: Int(from))
            let upper = scalars.index(lower, offsetBy: Int(to - from))
            return .value(.string(String(scalars[lower..<upper])))
        default:
            break
        }
        guard case .string(let other) = values[1] else { return .undefined }
        switch self {
        case .indexOf:
            return .value(.integer(Int64(QueryMath.scalarIndex(of: other, in: text) ?? -1)))
        case .startsWith:
            return .value(.bool(text.unicodeScalars.starts(with: other.unicodeScalars)))
        case .endsWith:
            return .value(.bool(text.unicodeScalars.reversed().starts(with: other.unicodeScalars.reversed())))
        case .contains:
            return .value(.bool(QueryMath.scalarIndex(of: other, in: text) != nil))
        default:
            return .undefined
        }
    }
}
