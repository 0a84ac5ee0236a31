/// The bounds every query text is held to, each a maximum with its unit in its name (STYLE
/// habit 4). A client writes the query, so each of these is what stops a hostile one: the
/// parser refuses anything beyond them with `QueryError.Kind.limitExceeded`.
///
/// `expressionDepthMax` also bounds the evaluator: the parser refuses a tree taller than it,
/// and evaluation, equality, hashing and printing recurse once per level of that tree, so no
/// client input can make them recurse deeper than this many frames.
public struct QueryLimits: Sendable, Equatable {
    /// IoT Hub's documented maximum query length (reference §1.3), counted in Unicode scalars.
    public var queryCharactersMax: Int
    /// Height of an expression tree (a leaf is 1; each operator, NOT, unary minus, function
    /// call and IN adds one above its tallest operand), and nesting of parentheses and array
    /// literals while parsing.
    public var expressionDepthMax: Int
    /// Segments of one path (`a.b[0].c` has 4).
    public var pathSegmentsMax: Int
    /// Elements of one array literal (the list after `IN`, or nested arrays).
    public var arrayElementsMax: Int
    /// Items after SELECT.
    public var selectItemsMax: Int
    /// Arguments of one function call (`CONCAT` is the only variadic one).
    public var functionArgumentsMax: Int
    /// Unicode scalars of one string literal or one `[[quoted]]` path segment.
    public var stringLiteralCharactersMax: Int

    public init(queryCharactersMax: Int = 8_192, expressionDepthMax: Int = 64, pathSegmentsMax: Int = 32,
                arrayElementsMax: Int = 1_000, selectItemsMax: Int = 64, functionArgumentsMax: Int = 16,
                stringLiteralCharactersMax: Int = 4_096) {
        self.queryCharactersMax = queryCharactersMax
        self.expressionDepthMax = expressionDepthMax
        self.pathSegmentsMax = pathSegmentsMax
        self.arrayElementsMax = arrayElementsMax
        self.selectItemsMax = selectItemsMax
        self.functionArgumentsMax = functionArgumentsMax
        self.stringLiteralCharactersMax = stringLiteralCharactersMax
    }

    /// IoT Hub's 8192 characters, and Nave's own bounds for the rest.
    public static let standard = QueryLimits()

    /// `TOP n` takes 1...topCountMax (IoT Hub's TOP is a 32-bit integer; 0 and negatives are refused).
    public static let topCountMax = Int(Int32.max)
}
