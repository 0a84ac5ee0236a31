import NaveModel

/// A top-level conjunct `path = literal` or `path IN [literals]` of a condition: an index
/// lookup the REST layer can do instead of a scan.
public struct QueryEqualityConstraint: Sendable, Hashable {
    public var path: QueryPath
    /// JSON scalars (null, booleans, numbers, strings); the document's value at `path` equals
    /// one of them (JSON equality) whenever the whole condition is true.
    public var values: [JSONValue]

    public init(path: QueryPath, values: [JSONValue]) {
        self.path = path
        self.values = values
    }
}

extension QueryExpression {
    /// The top-level AND-conjuncts of the forms `path = scalar`, `scalar = path` and
    /// `path IN [scalars]` (paths without `$`), in the order written.
    ///
    /// Sound: a document for which the whole condition is `true` satisfies each such conjunct
    /// (AND is true only when both sides are), and a true `=` or `IN` means same-type equality
    /// by value, bytes for strings, which implies JSON equality (`JSONValue ==`). Other
    /// conjuncts are not reported, so a caller must still evaluate the whole condition on the
    /// documents an index returns.
    public func equalityConstraints() -> [QueryEqualityConstraint] {
        var constraints: [QueryEqualityConstraint] = []
        var pending: [QueryExpression] = [self]
        while let expression = pending.popLast() {
            switch expression {
            case .binary(.and, let left, let right):
                pending.append(right)
                pending.append(left)
            case .binary(.equal, .path(let path), .literal(let value)),
                 .binary(.equal, .literal(let value), .path(let path)):
                if !path.isSystemRooted, value.isScalar {
                    constraints.append(QueryEqualityConstraint(path: path, values: [value]))
                }
            case .membership(.path(let path), let values, negated: false):
                if !path.isSystemRooted, values.allSatisfy(\.isScalar) {
                    constraints.append(QueryEqualityConstraint(path: path, values: values))
                }
            default:
                break
            }
        }
        return constraints
    }
}

extension JSONValue {
    /// null, a boolean, a number or a string.
    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }
}
