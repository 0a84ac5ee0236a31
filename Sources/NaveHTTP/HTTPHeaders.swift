/// Header fields in the order received, with case-insensitive lookup (RFC 9110 §5.1: field
/// names are case-insensitive; §5.3: order matters for repeated names).
///
/// Values are kept as sent, with surrounding whitespace removed. Bytes above 0x7F (obs-text)
/// are decoded as UTF-8 with replacement characters: no header the hub reads carries them.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Field = (name: String, value: String)

    private var names: [String] = []
    private var values: [String] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name: name, value: value) }
    }

    /// The number of field lines.
    public var count: Int { names.count }

    /// Appends a field line.
    public mutating func add(name: String, value: String) {
        names.append(name)
        values.append(value)
    }

    /// Removes every field line named `name` (any case).
    public mutating func remove(name: String) {
        for index in names.indices.reversed() where Self.sameName(names[index], name) {
            names.remove(at: index)
            values.remove(at: index)
        }
    }

    /// The first value of `name` (any case), or nil.
    public subscript(_ name: String) -> String? {
        names.firstIndex { Self.sameName($0, name) }.map { values[$0] }
    }

    /// Every value of `name` (any case), in order.
    public func values(_ name: String) -> [String] {
        names.indices.filter { Self.sameName(names[$0], name) }.map { values[$0] }
    }

    /// Field names compared ignoring ASCII case, byte by byte: names are tokens (RFC 9110
    /// §5.1, §5.6.2), ASCII only, so no lowercased copy of each is needed per lookup.
    private static func sameName(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count
            && zip(left.utf8, right.utf8).allSatisfy { HTTPSyntax.lowercased($0) == HTTPSyntax.lowercased($1) }
    }

    /// Whether any value of `name` is a comma-separated list (RFC 9110 §5.6.1) containing
    /// `token`, compared ignoring ASCII case (e.g. `Connection: keep-alive, Upgrade`).
    public func containsToken(_ token: String, in name: String) -> Bool {
        let lowered = token.lowercased()
        return values(name).contains { value in
            HTTPSyntax.listElements(value).contains { $0.lowercased() == lowered }
        }
    }

    public func makeIterator() -> some IteratorProtocol<Field> {
        zip(names, values).lazy.map { (name: $0, value: $1) }.makeIterator()
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.names == rhs.names && lhs.values == rhs.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(names)
        hasher.combine(values)
    }
}

extension HTTPHeaders: CustomStringConvertible {
    /// Field names only: values may hold credentials (SAS tokens in Authorization).
    public var description: String { "HTTPHeaders(\(names.joined(separator: ", ")))" }
}
