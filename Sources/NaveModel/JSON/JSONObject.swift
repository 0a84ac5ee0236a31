/// A JSON object whose members keep their insertion order, so a document re-serializes in the
/// order it was written (IoT Hub and the SDKs print twins that way) while lookups stay O(1).
///
/// Keys are unique (the parser rejects duplicates, RFC 8259 §4 leaves them unpredictable).
/// Assigning to an existing key replaces its value in place; removing shifts later members up,
/// O(count). Equality ignores order, as JSON's does.
///
/// Most objects are small (twin metadata, thumbprints, a reported patch): up to
/// `linearLookupCountMax` members a key is found by comparing keys in order, which costs less
/// than hashing it, and no position table is kept; larger objects index their keys.
public struct JSONObject: Sendable {
    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]
    /// Key → position; empty until the object has more than `linearLookupCountMax` members.
    private var positions: [String: Int]

    /// Members up to which lookups scan `keys` instead of keeping `positions`.
    static let linearLookupCountMax = 16

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
            guard let position = position(of: key) else { return nil }
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
    public func index(forKey key: String) -> Int? { position(of: key) }

    /// Sets `key` to `value`, appending when new; returns the old value.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let position = position(of: key) {
            let old = values[position]
            values[position] = value
            return old
        }
        append(key, value)
        return nil
    }

    /// Appends a member unless `key` is present; false (and no change) when it is. The parser's
    /// duplicate-key check.
    public mutating func appendNew(_ key: String, _ value: JSONValue) -> Bool {
        guard position(of: key) == nil else { return false }
        append(key, value)
        return true
    }

    /// Removes `key`; returns its value, nil when absent. O(count): later members move up.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        keys.remove(at: position)
        let old = values.remove(at: position)
        if !positions.isEmpty {
            positions[key] = nil
            for later in position..<keys.count { positions[keys[later]] = later }
        }
        return old
    }

    /// Where `key` is: from the table when there is one, else by comparing keys in order.
    private func position(of key: String) -> Int? {
        guard positions.isEmpty else { return positions[key] }
        return keys.firstIndex(of: key)
    }

    /// Appends a new member, indexing every key once the object outgrows linear lookups.
    private mutating func append(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
        if !positions.isEmpty {
            positions[key] = keys.count - 1
        } else if keys.count > Self.linearLookupCountMax {
            positions = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, $0.offset) })
        }
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
