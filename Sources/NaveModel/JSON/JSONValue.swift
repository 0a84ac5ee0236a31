/// A JSON document (RFC 8259 §3): what twins, method payloads and REST bodies are made of.
///
/// Numbers keep their kind: a number token without fraction or exponent that fits `Int64`
/// parses as `.integer` and is written back exactly (twin `$version`s, timeouts); every other
/// number is a `.double`. Equality is JSON's own, not Swift's structural one: objects compare
/// without regard to key order, and `.integer(1) == .double(1.0)` (RFC 8259 §6 defines numbers
/// by value). `hash(into:)` agrees with that equality.
///
/// Values nest through indirect storage. The parser never builds one deeper than its
/// `JSONLimits.depthMax`, so the recursive helpers here (serialization, `depth`, merge,
/// equality) stay within a few hundred stack frames for anything that came off the wire.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// Always finite: the parser rejects numbers outside `Double`'s range, and the serializer
    /// refuses to write NaN or infinity (they have no JSON form, RFC 8259 §6).
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The string, or nil for any other kind.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The boolean, or nil for any other kind.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The number as an exact integer: `.integer`, or a `.double` that is whole and in range.
    public var int64Value: Int64? {
        switch self {
        case .integer(let number): return number
        case .double(let number): return Int64(exactly: number)
        default: return nil
        }
    }

    /// The number as a Double (an integer beyond 2^53 rounds).
    public var doubleValue: Double? {
        switch self {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    /// The object, or nil for any other kind.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The elements, or nil for any other kind.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object; nil when this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Container nesting: 0 for a scalar, 1 + the deepest element for an array or object (so
    /// `{}` and `[]` are 1, `{"a":{"b":1}}` is 2). The parser's `JSONLimits.depthMax` counts
    /// the same way.
    ///
    /// IoT Hub limits tags, desired and reported to a depth of 10 counted *inside* the section:
    /// its devguide's valid example nests `"one"` … `"ten"` and then `{"property":"value"}`
    /// under `tags`, which is `depth` 11 for the section object here.
    public var depth: Int {
        switch self {
        case .null, .bool, .integer, .double, .string:
            return 0
        case .array(let elements):
            return 1 + elements.reduce(0) { max($0, $1.depth) }
        case .object(let object):
            return 1 + object.values.reduce(0) { max($0, $1.depth) }
        }
    }
}

extension JSONValue: Equatable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.integer(let a), .double(let b)), (.double(let b), .integer(let a)):
            return Int64(exactly: b) == a
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

extension JSONValue: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let flag):
            hasher.combine(1 as UInt8)
            hasher.combine(flag)
        case .integer(let number):
            hasher.combine(2 as UInt8)
            hasher.combine(number)
        case .double(let number):
            // A whole double equals the integer of the same value, so it must hash like it.
            if let whole = Int64(exactly: number) {
                hasher.combine(2 as UInt8)
                hasher.combine(whole)
            } else {
                hasher.combine(3 as UInt8)
                hasher.combine(number)
            }
        case .string(let text):
            hasher.combine(4 as UInt8)
            hasher.combine(text)
        case .array(let elements):
            hasher.combine(5 as UInt8)
            hasher.combine(elements)
        case .object(let object):
            hasher.combine(6 as UInt8)
            hasher.combine(object)
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

    /// Keys in literal order; a repeated key keeps its last value at its first position.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}
