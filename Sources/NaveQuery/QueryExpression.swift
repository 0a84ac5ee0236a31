import NaveModel

/// A condition or value expression of IoT Hub's query language (reference §1.3): what WHERE,
/// a job's `queryCondition`, a configuration's `targetCondition` and a routing condition parse to.
///
/// The tree is never taller than the `QueryLimits.expressionDepthMax` it was parsed under, which
/// is what bounds every recursive walk over it (evaluation, equality, hashing, printing).
public indirect enum QueryExpression: Sendable, Hashable {
    /// A JSON literal: number, string, `true`/`false`, `null`, or an array of literals.
    case literal(JSONValue)
    /// The literal `undefined`.
    case undefined
    /// A property of the document.
    case path(QueryPath)
    /// `NOT x`.
    case not(QueryExpression)
    /// Unary minus on a non-literal (`-5` parses as the literal −5).
    case negate(QueryExpression)
    /// `l op r`: AND, OR, comparisons, arithmetic.
    case binary(QueryBinaryOperator, QueryExpression, QueryExpression)
    /// `x IN [...]`, or `x NIN [...]` when `negated`.
    case membership(QueryExpression, [JSONValue], negated: Bool)
    /// A function of §1.5; the arity was checked by the parser.
    case call(QueryFunction, [QueryExpression])
}

/// Binary operators, in the precedence the parser gives them (reference §1.3's recommendation:
/// OR < AND < NOT < comparison < + - < * / %).
public enum QueryBinaryOperator: String, Sendable, Hashable, CaseIterable {
    case or = "OR"
    case and = "AND"
    case equal = "="
    /// `!=` and `<>` alike.
    case notEqual = "!="
    case less = "<"
    case greater = ">"
    case lessOrEqual = "<="
    case greaterOrEqual = ">="
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"

    /// True for the six comparisons.
    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .greater, .lessOrEqual, .greaterOrEqual: return true
        default: return false
        }
    }

    /// True for `+ - * / %`.
    public var isArithmetic: Bool {
        switch self {
        case .add, .subtract, .multiply, .divide, .remainder: return true
        default: return false
        }
    }
}

/// Which functions and paths a condition may use (reference §1.5, §2.3).
public enum QueryDialect: Sendable, Hashable {
    /// Twin and job queries, job `queryCondition`, configuration `targetCondition`: only
    /// `IS_DEFINED`; no `$` paths, no `[i]` indexes.
    case twin
    /// Routing conditions: every function of §1.5, `$`-rooted paths and `[i]` indexes.
    case routing
}
