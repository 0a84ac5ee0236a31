import NaveModel

/// `+ - * / %` and unary minus, on numbers only (§1.4): any other operand gives `undefined`.
/// Integers stay integers while the result is exact and in range, else the operation is done
/// in Double; a result with no JSON form (division by zero, overflow to infinity) is
/// `undefined`.
enum QueryArithmetic {
    static func evaluate(_ op: QueryBinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue) -> QueryValue {
        if case .integer(let a) = lhs, case .integer(let b) = rhs {
            switch op {
            case .add:
                let (result, overflow) = a.addingReportingOverflow(b)
                if !overflow { return .value(.integer(result)) }
            case .subtract:
                let (result, overflow) = a.subtractingReportingOverflow(b)
                if !overflow { return .value(.integer(result)) }
            case .multiply:
                let (result, overflow) = a.multipliedReportingOverflow(by: b)
                if !overflow { return .value(.integer(result)) }
            case .divide:
                guard b != 0 else { return .undefined }
                let (quotient, overflow) = a.dividedReportingOverflow(by: b)
                if !overflow, quotient.multipliedReportingOverflow(by: b) == (a, false) { return .value(.integer(quotient)) }
            case .remainder:
                guard b != 0 else { return .undefined }
                return .value(.integer(a.remainderReportingOverflow(dividingBy: b).partialValue))
            default:
                return .undefined
            }
        }
        guard let a = lhs.numberValue, let b = rhs.numberValue else { return .undefined }
        let result: Double
        switch op {
        case .add: result = a + b
        case .subtract: result = a - b
        case .multiply: result = a * b
        case .divide:
            guard b != 0 else { return .undefined }
            result = a / b
        case .remainder:
            guard b != 0 else { return .undefined }
            result = a.truncatingRemainder(dividingBy: b)
        default: return .undefined
        }
        return finite(result)
    }

    static func negate(_ value: JSONValue) -> QueryValue {
        switch value {
        case .integer(let number):
            let (result, overflow) = Int64(0).subtractingReportingOverflow(number)
            return .value(overflow ? .double(-Double(number)) : .integer(result))
        case .double(let number): return .value(.double(-number))
        default: return .undefined
        }
    }

    /// A Double result, or `undefined` when it is NaN or infinite (no JSON form).
    static func finite(_ number: Double) -> QueryValue {
        number.isFinite ? .value(.double(number)) : .undefined
    }
}

extension JSONValue {
    /// The number as a Double; nil for anything but a number (booleans are not numbers).
    var numberValue: Double? {
        switch self {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }
}
