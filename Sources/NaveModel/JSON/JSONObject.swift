/// A JSON object whose members keep their insertion order, so a document re-serializes in the
/// order it was written (IoT Hub and the SDKs print twins that way) while lookups stay O(1).
///
/// Keys are unique (the parser rejects duplicates, RFC 8259 §4 leaves them unpredictable).
/// Assigning to an existing key replaces its value in place; removing shifts later members up,
/// O(count). Equality ignores order, as JSON's does.
public struct JSONObject: Sendable {
    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]
    private var positions: [String: Int]

    /// An empty object.
    public init() {
        keys = []
        values = []
        positions = [:]
    }

    /// Members in order; a repeated key keeps its last value at its first position.
    public init(_ members: [(String, JSONValue)]) {
        self.init()
        keys.reserveCapacity(members.count)
        values.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`. Setting nil removes the member; setting `.null` stores a JSON null.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = positions[key] else { return nil }
            return values[position]
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Position of `key` in member order.
    public func index(forKey key: String) -> Int? { positions[key] }

    /// Sets `key` to `value`, appending when new; returns the old value.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let position = positions[key] {
            let old = values[position]
            values[position] = value
            return old
        }
        positions[key] = keys.count
        keys.append(key)
        values.append(value)
        return nil
    }

    /// Appends a member unless `key` is present; false (and no change) when it is. The parser's
    /// duplicate-key check.
    public mutating func appendNew(_ key: String, _ value: JSONValue) -> Bool {
        guard positions[key] == nil else { return false }
        positions[key] = keys.count
        keys.append(key)
        values.append(value)
        return true
    }

    /// Removes `key`; returns its value, nil when absent. O(count): later members move up.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = positions.removeValue(forKey: key) else { return nil }
        keys.remove(at: position)
        let old = values.remove(at: position)
        for later in position..<keys.count { positions[keys[later]] = later }
        return old
    }

    /// Runs `body` on the value at `position` in place (no copy of a nested document).
    mutating func modifyValue<Result>(at position: Int, _ body: (inout JSONValue) -> Result) -> Result {
        body(&values[position])
    }
}

extension JSONObject: Sequence {
    public typealias Element = (key: String, value: JSONValue)

    /// Members in order.
    public struct Iterator: IteratorProtocol {
        fileprivate let object: JSONObject
        fileprivate var position = 0

        public mutating func next() -> Element? {
            guard position < object.keys.count else { return nil }
            defer { position += 1 }
            return (object.keys[position], object.values[position])
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }
    public var underestimatedCount: Int { keys.count }
}

extension JSONObject: Equatable {
    /// Same members with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (position, key) in lhs.keys.enumerated() {
            guard let other = rhs[key], other == lhs.values[position] else { return false }
        }
        return true
    }
}

extension JSONObject: Hashable {
    /// Order-independent, to agree with `==`: members hash one by one and the hashes are added.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for (position, key) in keys.enumerated() {
            var member = Hasher()
            member.combine(key)
            member.combine(values[position])
            sum &+= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
