import CNaveProton

/// An AMQP 1.0 value (§1.6) as the endpoint's request/response nodes see it: what `$cbs`,
/// `$management` and C2D messages carry in their properties, annotations and bodies, read out of
/// and written into Proton's `pn_data_t`. Not for events: those are encoded directly
/// (`AMQPEventEncoder`). The numeric kinds a peer may use for one field (an int status, a long
/// sequence number) are folded into `.long`, `.ulong` and `.int` so callers compare one case.
enum AMQPValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// byte, short, int (signed up to 32 bits).
    case int(Int32)
    /// long.
    case long(Int64)
    /// ubyte, ushort, uint, ulong.
    case ulong(UInt64)
    case double(Double)
    /// Milliseconds since the Unix epoch (§1.6.17).
    case timestamp(Int64)
    case uuid([UInt8])
    case binary([UInt8])
    case string(String)
    case symbol(String)
    case list([AMQPValue])
    case map([(key: AMQPValue, value: AMQPValue)])
    case array([AMQPValue])
    indirect case described(descriptor: AMQPValue, value: AMQPValue)
    /// A type the endpoint never needs (decimal, char): kept so a map's other entries still read.
    case unsupported

    /// Nesting deeper than this is refused when reading: the peer controls it, and nothing the
    /// endpoint reads nests more than three levels.
    static let depthMax = 16

    static func == (a: AMQPValue, b: AMQPValue) -> Bool {
        switch (a, b) {
        case (.null, .null), (.unsupported, .unsupported): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.long(let x), .long(let y)): x == y
        case (.ulong(let x), .ulong(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.timestamp(let x), .timestamp(let y)): x == y
        case (.uuid(let x), .uuid(let y)), (.binary(let x), .binary(let y)): x == y
        case (.string(let x), .string(let y)), (.symbol(let x), .symbol(let y)): x == y
        case (.list(let x), .list(let y)), (.array(let x), .array(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.described(let d1, let v1), .described(let d2, let v2)): d1 == d2 && v1 == v2
        default: false
        }
    }

    /// Text of a string or symbol.
    var text: String? {
        switch self {
        case .string(let text), .symbol(let text): text
        default: nil
        }
    }

    /// An integer of any width and signedness, when it fits.
    var integer: Int64? {
        switch self {
        case .int(let value): Int64(value)
        case .long(let value): value
        case .ulong(let value): Int64(exactly: value)
        default: nil
        }
    }

    /// The value a map holds under the string or symbol key `key`.
    subscript(key: String) -> AMQPValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key.text == key }?.value
    }

    // MARK: Reading from Proton

    /// The value at `data`'s current node (after `pn_data_next`); nil when nesting passes
    /// `depthMax`.
    static func read(_ data: OpaquePointer, depth: Int = 0) -> AMQPValue? {
        guard depth < depthMax else { return nil }
        switch pn_data_type(data) {
        case PN_NULL: return .null
        case PN_BOOL: return .bool(pn_data_get_bool(data))
        case PN_UBYTE: return .ulong(UInt64(pn_data_get_ubyte(data)))
        case PN_USHORT: return .ulong(UInt64(pn_data_get_ushort(data)))
        case PN_UINT: return .ulong(UInt64(pn_data_get_uint(data)))
        case PN_ULONG: return .ulong(pn_data_get_ulong(data))
        case PN_BYTE: return .int(Int32(pn_data_get_byte(data)))
        case PN_SHORT: return .int(Int32(pn_data_get_short(data)))
        case PN_INT: return .int(pn_data_get_int(data))
        case PN_LONG: return .long(pn_data_get_long(data))
        case PN_FLOAT: return .double(Double(pn_data_get_float(data)))
        case PN_DOUBLE: return .double(pn_data_get_double(data))
        case PN_TIMESTAMP: return .timestamp(pn_data_get_timestamp(data))
        case PN_UUID: return .uuid(withUnsafeBytes(of: pn_data_get_uuid(data).bytes) { Array($0) })
        case PN_BINARY: return .binary(bytes(pn_data_get_binary(data)))
        case PN_STRING: return .string(String(decoding: bytes(pn_data_get_string(data)), as: UTF8.self))
        case PN_SYMBOL: return .symbol(String(decoding: bytes(pn_data_get_symbol(data)), as: UTF8.self))
        case PN_LIST, PN_ARRAY, PN_MAP:
            let type = pn_data_type(data)
            guard let children = readChildren(data, depth: depth) else { return nil }
            if type == PN_LIST { return .list(children) }
            if type == PN_ARRAY { return .array(children) }
            guard children.count % 2 == 0 else { return nil }
            return .map(stride(from: 0, to: children.count, by: 2).map { (children[$0], children[$0 + 1]) })
        case PN_DESCRIBED:
            guard let children = readChildren(data, depth: depth), children.count == 2 else { return nil }
            return .described(descriptor: children[0], value: children[1])
        default:
            return .unsupported
        }
    }

    private static func readChildren(_ data: OpaquePointer, depth: Int) -> [AMQPValue]? {
        guard pn_data_enter(data) else { return nil }
        defer { pn_data_exit(data) }
        var children: [AMQPValue] = []
        while pn_data_next(data) {
            guard let child = read(data, depth: depth + 1) else { return nil }
            children.append(child)
        }
        return children
    }

    /// The whole of `data` (rewound) as one value: nil when it is empty or too deep.
    static func readWhole(_ data: OpaquePointer) -> AMQPValue? {
        pn_data_rewind(data)
        guard pn_data_next(data) else { return nil }
        return read(data)
    }

    static func bytes(_ value: pn_bytes_t) -> [UInt8] {
        guard let start = value.start, value.size > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: value.size))
    }

    // MARK: Writing to Proton

    /// Appends this value at `data`'s current position.
    func write(to data: OpaquePointer) {
        switch self {
        case .null, .unsupported: pn_data_put_null(data)
        case .bool(let value): pn_data_put_bool(data, value)
        case .int(let value): pn_data_put_int(data, value)
        case .long(let value): pn_data_put_long(data, value)
        case .ulong(let value): pn_data_put_ulong(data, value)
        case .double(let value): pn_data_put_double(data, value)
        case .timestamp(let value): pn_data_put_timestamp(data, value)
        case .uuid(let bytes):
            var uuid = pn_uuid_t()
            withUnsafeMutableBytes(of: &uuid.bytes) { $0.copyBytes(from: bytes.prefix(16)) }
            pn_data_put_uuid(data, uuid)
        case .binary(let bytes): Self.withBytes(bytes) { pn_data_put_binary(data, $0) }
        case .string(let text): Self.withBytes(Array(text.utf8)) { pn_data_put_string(data, $0) }
        case .symbol(let text): Self.withBytes(Array(text.utf8)) { pn_data_put_symbol(data, $0) }
        case .list(let items):
            pn_data_put_list(data)
            Self.writeChildren(items, to: data)
        case .map(let entries):
            pn_data_put_map(data)
            Self.writeChildren(entries.flatMap { [$0.key, $0.value] }, to: data)
        case .array(let items):
            // Arrays are homogeneous (§1.6.24); the endpoint sends arrays of strings only.
            pn_data_put_array(data, false, items.first.map(Self.protonType) ?? PN_STRING)
            Self.writeChildren(items, to: data)
        case .described(let descriptor, let value):
            pn_data_put_described(data)
            Self.writeChildren([descriptor, value], to: data)
        }
    }

    private static func writeChildren(_ items: [AMQPValue], to data: OpaquePointer) {
        pn_data_enter(data)
        for item in items { item.write(to: data) }
        pn_data_exit(data)
    }

    private static func protonType(_ value: AMQPValue) -> pn_type_t {
        switch value {
        case .string: PN_STRING
        case .symbol: PN_SYMBOL
        case .long: PN_LONG
        case .int: PN_INT
        default: PN_STRING
        }
    }

    /// Proton copies put bytes into the data object, so a temporary buffer is enough.
    private static func withBytes(_ bytes: [UInt8], _ body: (pn_bytes_t) -> Void) {
        bytes.withUnsafeBufferPointer { buffer in
            body(pn_bytes(buffer.count, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)))
        }
    }
}
