import CNaveProton
@testable import NaveAMQP

/// An encoded message as Proton-C's own decoder reads it, twice over: section by section with
/// `pn_data_decode` (every section's descriptor and exact types, in wire order), and whole with
/// `pn_message_decode` (what a Proton application gets from the message accessors). The
/// independent decoder `AMQPEventEncoder`'s bytes are checked against (STYLE.md habit 6);
/// `AMQPValue` only carries what Proton decoded, keeping `string` apart from `symbol` and
/// `timestamp` from `long`, so a test sees the wire type too.
struct ProtonDecodedMessage {
    /// Each section, `described(ulong(code), value)`, in order.
    var sections: [AMQPValue] = []
    /// Bytes left over after the last section that decoded (should be none).
    var undecodedBytes = 0
    /// `pn_message_decode`'s result: 0 when Proton's message layer accepts the bytes.
    var messageStatus: Int32 = 0
    var deliveryAnnotations: AMQPValue = .null
    var messageAnnotations: AMQPValue = .null
    var applicationProperties: AMQPValue = .null
    var body: AMQPValue = .null
    var messageID: AMQPValue = .null
    var userID: [UInt8] = []
    var correlationID: AMQPValue = .null
    var contentType: String?
    var contentEncoding: String?
    var absoluteExpiryTime: Int64 = 0

    init(_ encoded: [UInt8]) {
        decodeSections(encoded)
        decodeMessage(encoded)
    }

    /// The section with descriptor `code`, if present.
    func section(_ code: UInt64) -> AMQPValue? {
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
                guard used > 0, let section = AMQPValue.readWhole(data) else { break }
                sections.append(section)
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
        deliveryAnnotations = AMQPValue.readWhole(pn_message_instructions(message)) ?? .null
        messageAnnotations = AMQPValue.readWhole(pn_message_annotations(message)) ?? .null
        applicationProperties = AMQPValue.readWhole(pn_message_properties(message)) ?? .null
        body = AMQPValue.readWhole(pn_message_body(message)) ?? .null
        messageID = AMQPValue.readWhole(pn_message_id(message)) ?? .null
        userID = AMQPValue.bytes(pn_message_get_user_id(message))
        correlationID = AMQPValue.readWhole(pn_message_correlation_id(message)) ?? .null
        contentType = pn_message_get_content_type(message).map { String(cString: $0) }
        contentEncoding = pn_message_get_content_encoding(message).map { String(cString: $0) }
        absoluteExpiryTime = pn_message_get_expiry_time(message)
    }
}

extension AMQPValue {
    /// A map from keys and values alternating, as the tests write them out in wire order.
    static func map(alternating items: [AMQPValue]) -> AMQPValue {
        .map(stride(from: 0, to: items.count - 1, by: 2).map { (key: items[$0], value: items[$0 + 1]) })
    }
}
