import NaveModel

/// IoT Hub's three-valued semantics (reference §1.4, Cosmos DB's rules where IoT Hub's are
/// unconfirmed): `undefined` spreads through comparisons and arithmetic; values of different
/// JSON types do not compare (undefined), except that `null = null` is true; AND and OR
/// decide on a `false`/`true` operand whatever the other is; only Boolean `true` passes.
///
/// The walk recurses once per level of the tree, which the parser bounded by
/// `QueryLimits.expressionDepthMax`; it allocates nothing for paths, comparisons, logic or
/// number arithmetic (string functions build their results).
extension QueryExpression {
    /// The expression's value for `document`.
    public func evaluate<Document: QueryDocument>(in document: Document) -> QueryValue {
        switch self {
        case .literal(let value):
            return .value(value)
        case .undefined:
            return .undefined
        case .path(let path):
            return document.value(at: path)
        case .not(let operand):
            guard case .value(.bool(let flag)) = operand.evaluate(in: document) else { return .undefined }
            return .value(.bool(!flag))
        case .negate(let operand):
            guard case .value(let value) = operand.evaluate(in: document) else { return .undefined }
            return QueryArithmetic.negate(value)
        case .binary(.and, let left, let right):
            let lhs = left.evaluate(in: document)
            if case .value(.bool(false)) = lhs { return .value(false) }
            let rhs = right.evaluate(in: document)
            if case .value(.bool(false)) = rhs { return .value(false) }
            return lhs.isTrue && rhs.isTrue ? .value(true) : .undefined
        case .binary(.or, let left, let right):
            let lhs = left.evaluate(in: document)
            if lhs.isTrue { return .value(true) }
            let rhs = right.evaluate(in: document)
            if rhs.isTrue { return .value(true) }
            if case .value(.bool(false)) = lhs, case .value(.bool(false)) = rhs { return .value(false) }
            return .undefined
        case .binary(let op, let left, let right):
            guard case .value(let lhs) = left.evaluate(in: document),
                  case .value(let rhs) = right.evaluate(in: document) else { return .undefined }
            if op.isComparison { return QueryComparison.evaluate(op, lhs, rhs) }
            return QueryArithmetic.evaluate(op, lhs, rhs)
        case .membership(let operand, let elements, let negated):
            guard case .value(let value) = operand.evaluate(in: document) else { return .undefined }
            let found = elements.contains { QueryComparison.order(value, $0) == 0 }
            return .value(.bool(found != negated))
        case .call(let function, let arguments):
            return function.evaluate(arguments, in: document)
        }
    }

    /// True when the expression is exactly Boolean `true` for `document` (§1.4): WHERE, job
    /// and configuration targeting, routing.
    public func isSatisfied<Document: QueryDocument>(by document: Document) -> Bool {
        evaluate(in: document).isTrue
    }
}

/// Comparisons between primitive values of one JSON type (§1.4).
public enum QueryComparison {
    /// The order of two values, or nil when they do not compare: different types (numbers of
    /// either kind are one type), objects, arrays. `null` equals `null`; `false < true`;
    /// numbers by exact value (an Int64 against a Double without rounding either); strings
    /// ordinally by Unicode scalar (UTF-8 byte order), case-sensitively.
    public static func order(_ lhs: JSONValue, _ rhs: JSONValue) -> Int? {
        switch (lhs, rhs) {
        case (.null, .null): return 0
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (a ? 1 : -1)
        case (.integer(let a), .integer(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.double(let a), .double(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.integer(let a), .double(let b)): return compare(a, b)
        case (.double(let a), .integer(let b)): return -compare(b, a)
        case (.string(let a), .string(let b)): return compareOrdinal(a, b)
        default: return nil
        }
    }

    static func evaluate(_ op: QueryBinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue) -> QueryValue {
        guard let order = order(lhs, rhs) else { return .undefined }
        switch op {
        case .equal: return .value(.bool(order == 0))
        case .notEqual: return .value(.bool(order != 0))
        case .less: return .value(.bool(order < 0))
        case .greater: return .value(.bool(order > 0))
        case .lessOrEqual: return .value(.bool(order <= 0))
        case .greaterOrEqual: return .value(.bool(order >= 0))
        default: return .undefined
        }
    }

    /// An Int64 against a finite Double, exactly.
    static func compare(_ integer: Int64, _ double: Double) -> Int {
        if double >= 9_223_372_036_854_775_808.0 { return -1 }
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = double.rounded(.towardZero)
        let wholeInteger = Int64(whole)
        if integer != wholeInteger { return integer < wholeInteger ? -1 : 1 }
        let fraction = double - whole
        return fraction == 0 ? 0 : (fraction > 0 ? -1 : 1)
    }

    /// Ordinal comparison: UTF-8 bytes, which order as Unicode scalars do.
    static func compareOrdinal(_ lhs: String, _ rhs: String) -> Int {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let a?, let b?): if a != b { return a < b ? -1 : 1 }
            }
        }
    }
}
