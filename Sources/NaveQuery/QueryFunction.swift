/// The functions of reference §1.5. The twin dialect has only `IS_DEFINED`; routing has all.
/// Names are case-insensitive; `STARTS_WITH`/`ENDS_WITH` (older revisions of the docs) are
/// accepted beside `STARTSWITH`/`ENDSWITH`.
public enum QueryFunction: String, Sendable, Hashable, CaseIterable {
    // Math.
    case abs = "ABS"
    case exp = "EXP"
    case power = "POWER"
    case square = "SQUARE"
    case ceiling = "CEILING"
    case floor = "FLOOR"
    case sign = "SIGN"
    case sqrt = "SQRT"
    // Type checks and conversion.
    case asNumber = "AS_NUMBER"
    case isArray = "IS_ARRAY"
    case isBool = "IS_BOOL"
    case isDefined = "IS_DEFINED"
    case isNull = "IS_NULL"
    case isNumber = "IS_NUMBER"
    case isObject = "IS_OBJECT"
    case isPrimitive = "IS_PRIMITIVE"
    case isString = "IS_STRING"
    // Strings.
    case concat = "CONCAT"
    case length = "LENGTH"
    case lower = "LOWER"
    case upper = "UPPER"
    case substring = "SUBSTRING"
    case indexOf = "INDEX_OF"
    case startsWith = "STARTSWITH"
    case endsWith = "ENDSWITH"
    case contains = "CONTAINS"

    /// The function called `name` (any case) in `dialect`, or nil.
    public static func named(_ name: String, in dialect: QueryDialect) -> QueryFunction? {
        let upper = name.uppercased()
        let function: QueryFunction?
        switch upper {
        case "STARTS_WITH": function = .startsWith
        case "ENDS_WITH": function = .endsWith
        default: function = QueryFunction(rawValue: upper)
        }
        guard let function else { return nil }
        return dialect == .routing || function == .isDefined ? function : nil
    }

    /// How many arguments a call takes. `CONCAT`'s upper bound is the parser's
    /// `QueryLimits.functionArgumentsMax`.
    public var argumentCounts: ClosedRange<Int> {
        switch self {
        case .power, .indexOf, .startsWith, .endsWith, .contains: return 2...2
        case .substring: return 2...3
        case .concat: return 2...Int.max
        default: return 1...1
        }
    }
}
