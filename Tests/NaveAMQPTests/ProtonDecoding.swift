import CNaveProton

/// A value as Proton-C's own decoder (`pn_data_t`) reads it: the independent decoder that
/// `AMQPEventEncoder`'s bytes are checked against (STYLE.md habit 6). Types are kept apart
/// (`string` from `symbol`, `timestamp` from `long`), so a test sees the wire type too.
indirect enum ProtonValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case long(Int64)
    case ulong(UInt64)
    case timestamp(Int64)
    case string(String)
    case symbol(String)
    case binary([UInt8])
    case list([ProtonValue])
    /// Keys and values alternating, in wire order.
    case map([ProtonValue])
    case described(ProtonValue, ProtonValue)
    /// Any type the encoder never writes, by Proton's name for it.
    case other(String)

    var description: String {
        switch self {
        case .null: "null"
        case .long(let value): "long(\(value))"
        case .ulong(let value): "ulong(\(value))"
        case .timestamp(let value): "timestamp(\(value))"
        case .string(let value): "\"\(value)\""
        case .symbol(let value): ":\(value)"
        case .binary(let bytes): "binary(\(bytes.count) bytes)"
        case .list(let items): "[\(items.map(\.description).joined(separator: ", "))]"
        case .map(let items): "{\(items.map(\.description).joined(separator: ", "))}"
        case .described(let descriptor, let value): "described(\(descriptor), \(value))"
        case .other(let name): "<\(name)>"
        }
    }

    /// The value at `data`'s current node (after `pn_data_next`), children included.
    init(_ data: OpaquePointer) {
        switch pn_data_type(data) {
        case PN_NULL: self = .null
        case PN_LONG: self = .long(pn_data_get_long(data))
        case PN_ULONG: self = .ulong(pn_data_get_ulong(data))
        case PN_TIMESTAMP: self = .timestamp(pn_data_get_timestamp(data))
        case PN_STRING: self = .string(String(decoding: Self.bytes(pn_data_get_string(data)), as: UTF8.self))
        case PN_SYMBOL: self = .symbol(String(decoding: Self.bytes(pn_data_get_symbol(data)), as: UTF8.self))
        case PN_BINARY: self = .binary(Self.bytes(pn_data_get_binary(data)))
        case PN_LIST: self = .list(Self.children(data, count: pn_data_get_list(data)))
        case PN_MAP: self = .map(Self.children(data, count: pn_data_get_map(data)))
        case PN_DESCRIBED:
            let parts = Self.children(data, count: 2)
            self = parts.count == 2 ? .described(parts[0], parts[1]) : .other("described, incomplete")
        case let type: self = .other(String(cString: pn_type_name(type)))
        }
    }

    /// The first value in `data`, or null when it holds none.
    init(first data: OpaquePointer) {
        pn_data_rewind(data)
        self = pn_data_next(data) ? ProtonValue(data) : .null
    }

    private static func children(_ data: OpaquePointer, count: Int) -> [ProtonValue] {
        guard pn_data_enter(data) else { return [] }
        defer { pn_data_exit(data) }
        var values: [ProtonValue] = []
        while values.count < count, pn_data_next(data) { values.append(ProtonValue(data)) }
        return values
    }

    static func bytes(_ bytes: pn_bytes_t) -> [UInt8] {
        guard let start = bytes.start else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: bytes.size))
    }

    /// The map's value under `key` (the first), if this is a map.
    subscript(key: ProtonValue) -> ProtonValue? {
        guard case .map(let items) = self else { return nil }
        return stride(from: 0, to: items.count - 1, by: 2).first { items[$0] == key }.map { items[$0 + 1] }
    }
}

/// An encoded message as Proton reads it, twice over: section by section with `pn_data_decode`
/// (every section's descriptor and exact types, in wire order), and whole with
/// `pn_message_decode` (what a Proton application gets from the message accessors).
struct ProtonDecodedMessage {
    /// Each section, `described(ulong(code), value)`, in order.
    var sections: [ProtonValue] = []
    /// Bytes left over after the last section that decoded (should be none).
    var undecodedBytes = 0
    /// `pn_message_decode`'s result: 0 when Proton's message layer accepts the bytes.
    var messageStatus: Int32 = 0
    var deliveryAnnotations: ProtonValue = .null
    var messageAnnotations: ProtonValue = .null
    var applicationProperties: ProtonValue = .null
    var body: ProtonValue = .null
    var messageID: ProtonValue = .null
    var userID: [UInt8] = []
    var correlationID: ProtonValue = .null
    var contentType: String?
    var contentEncoding: String?
    var absoluteExpiryTime: Int64 = 0

    init(_ encoded: [UInt8]) {
        decodeSections(encoded)
        decodeMessage(encoded)
    }

    /// The section with descriptor `code`, if present.
    func section(_ code: UInt64) -> ProtonValue? {
        for case .described(.ulong(code), let value) in sections { return value }
        return nil
    }

    /// The descriptor codes of the sections, in order.
    var sectionCodes: [UInt64] {
        sections.compactMap { if case .described(.ulong(let code), _) = $0 { code } else { nil } }
    }

    private mutating func decodeSections(_ encoded: [UInt8]) {
        guard let data = pn_data(0) else { return }
        defer { pn_data_free(data) }
        var offset = 0
        encoded.withUnsafeBytes { raw in
            while offset < raw.count, let base = raw.baseAddress {
                pn_data_clear(data)
                let used = pn_data_decode(data, (base + offset).assumingMemoryBound(to: CChar.self), raw.count - offset)
                guard used > 0 else { break }
                sections.append(ProtonValue(first: data))
                offset += used
            }
        }
        undecodedBytes = encoded.count - offset
    }

    private mutating func decodeMessage(_ encoded: [UInt8]) {
        guard let message = pn_message() else { return }
        defer { pn_message_free(message) }
        messageStatus = encoded.withUnsafeBytes { raw in
            pn_message_decode(message, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        deliveryAnnotations = ProtonValue(first: pn_message_instructions(message))
        messageAnnotations = ProtonValue(first: pn_message_annotations(message))
        applicationProperties = ProtonValue(first: pn_message_properties(message))
        body = ProtonValue(first: pn_message_body(message))
        messageID = ProtonValue(first: pn_message_id(message))
        userID = ProtonValue.bytes(pn_message_get_user_id(message))
        correlationID = ProtonValue(first: pn_message_correlation_id(message))
        contentType = pn_message_get_content_type(message).map { String(cString: $0) }
        contentEncoding = pn_message_get_content_encoding(message).map { String(cString: $0) }
        absoluteExpiryTime = pn_message_get_expiry_time(message)
    }
}
