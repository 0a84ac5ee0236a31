extension JSONValue {
    /// Parses one JSON text (RFC 8259 §2) strictly: UTF-8 only, no BOM, no trailing data, no
    /// duplicate member names, under `limits`. Time is linear in the input; the parser keeps
    /// an explicit stack instead of recursing, so hostile nesting cannot exhaust the stack.
    public init(parsing buffer: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(JSONParseError) {
        var parser = JSONParser(buffer, limits: limits)
        self = try parser.parseDocument()
    }

    /// Parses one JSON text from bytes; see `init(parsing:limits:)` for the rules.
    public init(parsing bytes: [UInt8], limits: JSONLimits = .default) throws(JSONParseError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try JSONValue(parsing: buffer, limits: limits) }
        }
        self = try result.get()
    }

    /// Parses one JSON text from a string's UTF-8; see `init(parsing:limits:)` for the rules.
    public init(parsing text: String, limits: JSONLimits = .default) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }
}

/// The parser's state over one document. Open containers live on explicit stacks (`arrays`,
/// `objects`, and the member name each open object waits to fill), so nesting costs heap, not
/// stack, and is bounded by `depthMax` before anything is pushed.
struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let limits: JSONLimits
    var position = 0

    /// One entry per open container, innermost last: true for an object.
    private var openIsObject: [Bool] = []
    private var arrays: [[JSONValue]] = []
    private var objects: [JSONObject] = []
    /// The member name (and its offset, for `duplicateKey`) each open object is reading.
    private var pendingKeys: [(name: String, offset: Int)] = []
    /// Reused for strings with escapes, so a document costs one scratch allocation.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        guard bytes.count <= limits.documentBytesMax else {
            throw JSONParseError(.documentTooLarge, at: limits.documentBytesMax)
        }
        while true {
            var value = try parseValueOrOpen()
            // A value is complete: hand it to the enclosing containers, closing those that end.
            while let isObject = openIsObject.last {
                skipWhitespace()
                if isObject {
                    let key = pendingKeys.removeLast()
                    guard objects[objects.count - 1].appendNew(key.name, value) else {
                        throw JSONParseError(.duplicateKey, at: key.offset)
                    }
                } else {
                    arrays[arrays.count - 1].append(value)
                }
                guard position < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position) }
                let byte = bytes[position]
                if byte == UInt8(ascii: ",") {
                    position += 1
                    if isObject { try readMemberName() }
                    break
                }
                guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw JSONParseError(.unexpectedByte, at: position)
                }
                position += 1
                openIsObject.removeLast()
                value = isObject ? .object(objects.removeLast()) : .array(arrays.removeLast())
            }
            if openIsObject.isEmpty {
                skipWhitespace()
                guard position == bytes.count else { throw JSONParseError(.trailingData, at: position) }
                return value
            }
        }
    }

    /// Reads a scalar or an empty container and returns it; or opens a non-empty container
    /// (pushing it, and for an object reading its first member name) and continues with the
    /// container's first value, so the loop in `parseDocument` never recurses.
    private mutating func parseValueOrOpen() throws(JSONParseError) -> JSONValue {
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position) }
            switch bytes[position] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[position] == UInt8(ascii: "{")
                guard openIsObject.count < limits.depthMax else {
                    throw JSONParseError(.depthExceeded, at: position)
                }
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    position += 1
                    return isObject ? .object(JSONObject()) : .array([])
                }
                openIsObject.append(isObject)
                if isObject {
                    objects.append(JSONObject())
                    try readMemberName()
                } else {
                    arrays.append([])
                }
            case UInt8(ascii: "\""):
                return .string(try parseString())
            case UInt8(ascii: "t"):
                return try parseLiteral("true", .bool(true))
            case UInt8(ascii: "f"):
                return try parseLiteral("false", .bool(false))
            case UInt8(ascii: "n"):
                return try parseLiteral("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try parseNumber()
            default:
                throw JSONParseError(.unexpectedByte, at: position)
            }
        }
    }

    /// `ws string ws ":"` (RFC 8259 §4): the next member's name, pushed for the open object.
    private mutating func readMemberName() throws(JSONParseError) {
        skipWhitespace()
        guard position < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position) }
        guard bytes[position] == UInt8(ascii: "\"") else { throw JSONParseError(.unexpectedByte, at: position) }
        let offset = position
        let name = try parseString()
        skipWhitespace()
        guard position < bytes.count else { throw JSONParseError(.unexpectedEnd, at: position) }
        guard bytes[position] == UInt8(ascii: ":") else { throw JSONParseError(.unexpectedByte, at: position) }
        position += 1
        pendingKeys.append((name, offset))
    }

    /// RFC 8259 §2: insignificant whitespace is space, tab, line feed and carriage return.
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let start = position
        let count = word.utf8CodeUnitCount
        for index in 0..<count {
            guard start + index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: start + index) }
            guard bytes[start + index] == word.utf8Start[index] else {
                throw JSONParseError(.invalidLiteral, at: start)
            }
        }
        position = start + count
        return value
    }
}
