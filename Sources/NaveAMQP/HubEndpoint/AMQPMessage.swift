import CNaveProton

/// One AMQP message (AMQP 1.0 §3.2) of the endpoint's control traffic — CBS and management
/// requests and their responses, C2D sends, feedback batches — decoded and encoded with Proton's
/// `pn_message_t`. Events do not come through here: they are encoded once, directly into the
/// send buffer (`AMQPEventEncoder`).
struct AMQPMessage {
    var messageID: AMQPValue = .null
    var userID: [UInt8]?
    var to: String?
    var subject: String?
    var replyTo: String?
    var correlationID: AMQPValue = .null
    var contentType: String?
    var contentEncoding: String?
    /// ms since the epoch; nil when absent.
    var absoluteExpiryTime: Int64?
    /// `.map` of application properties, or `.null`.
    var applicationProperties: AMQPValue = .null
    /// An amqp-value body, or `.binary` for one data section.
    var body: AMQPValue = .null

    init() {}

    /// Decodes a whole message (the bytes of a complete delivery); nil when Proton refuses it or a
    /// section nests deeper than `AMQPValue.depthMax`.
    init?(decoding bytes: UnsafeRawBufferPointer) {
        guard let message = pn_message() else { return nil }
        defer { pn_message_free(message) }
        let status = bytes.withMemoryRebound(to: CChar.self) { pn_message_decode(message, $0.baseAddress, $0.count) }
        guard status == 0 else { return nil }
        messageID = AMQPValue.readWhole(pn_message_id(message)) ?? .null
        correlationID = AMQPValue.readWhole(pn_message_correlation_id(message)) ?? .null
        let user = pn_message_get_user_id(message)
        if user.size > 0 { userID = AMQPValue.bytes(user) }
        to = pn_message_get_address(message).map { String(cString: $0) }
        subject = pn_message_get_subject(message).map { String(cString: $0) }
        replyTo = pn_message_get_reply_to(message).map { String(cString: $0) }
        contentType = pn_message_get_content_type(message).map { String(cString: $0) }
        contentEncoding = pn_message_get_content_encoding(message).map { String(cString: $0) }
        let expiry = pn_message_get_expiry_time(message)
        if expiry != 0 { absoluteExpiryTime = expiry }
        applicationProperties = AMQPValue.readWhole(pn_message_properties(message)) ?? .null
        body = AMQPValue.readWhole(pn_message_body(message)) ?? .null
    }

    /// The application property `key` (string or symbol key).
    func property(_ key: String) -> AMQPValue? { applicationProperties[key] }

    /// Creates a delivery on `link`, sends this message on it and advances; the caller settles
    /// (or not) by the link's mode. `tag` must be unique among the link's unsettled deliveries.
    @discardableResult
    func send(on link: OpaquePointer, tag: UInt64) -> OpaquePointer? {
        guard let message = pn_message() else { return nil }
        defer { pn_message_free(message) }
        fill(message)
        var tag = tag
        let delivery = withUnsafeBytes(of: &tag) { bytes in
            pn_delivery(link, pn_dtag(bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count))
        }
        guard pn_message_send(message, link, nil) >= 0 else { return nil }
        return delivery
    }

    private func fill(_ message: OpaquePointer) {
        if messageID != .null { messageID.write(to: pn_message_id(message)) }
        if correlationID != .null { correlationID.write(to: pn_message_correlation_id(message)) }
        if let userID {
            userID.withUnsafeBufferPointer { buffer in
                _ = pn_message_set_user_id(message, pn_bytes(buffer.count, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)))
            }
        }
        if let to { pn_message_set_address(message, to) }
        if let subject { pn_message_set_subject(message, subject) }
        if let replyTo { pn_message_set_reply_to(message, replyTo) }
        if let contentType { pn_message_set_content_type(message, contentType) }
        if let contentEncoding { pn_message_set_content_encoding(message, contentEncoding) }
        if let absoluteExpiryTime { pn_message_set_expiry_time(message, absoluteExpiryTime) }
        if applicationProperties != .null { applicationProperties.write(to: pn_message_properties(message)) }
        switch body {
        case .null:
            break
        case .binary:
            // One data section (§3.2.6): Proton infers it from a binary body.
            pn_message_set_inferred(message, true)
            body.write(to: pn_message_body(message))
        default:
            body.write(to: pn_message_body(message))
        }
    }
}
