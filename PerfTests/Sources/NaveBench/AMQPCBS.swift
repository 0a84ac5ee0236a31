import CNaveProton
import Glibc
import NaveAuth

/// The client side of a `$cbs` put-token (contract §5.2, §6.3) for the benchmark's back ends:
/// the two token flavours, the request message and the status of the response.
enum AMQPCBS {
    /// One put-token: the audience (`name`) and the token for it.
    struct Grant {
        var audience: String
        var token: String
    }

    /// Event Hubs flavour (§6.3): a partition receiver's audience
    /// `sb://{host}/{eventhub}/consumergroups/$default`, signed over `quote_plus(audience)` with
    /// the policy key's raw UTF-8 bytes. `quote(…, safe="")` equals `quote_plus` here: the
    /// audience has no spaces.
    static func eventHubGrant(hostName: String, eventHub: String, policy: String, key: String,
                              lifetimeSeconds: Int64 = 3600) throws -> Grant {
        let audience = "sb://\(hostName)/\(eventHub)/consumergroups/$default"
        let token = try SASToken.deviceToken(resourceURI: audience, key: key, expiry: Int64(time(nil)) + lifetimeSeconds,
                                             keyName: policy, keyEncoding: .utf8)
        return Grant(audience: audience, token: token)
    }

    /// IoT Hub service flavour (§5.2, C2D): audience `https://{host}`, `sr={host}`, signed with
    /// the base64-decoded key.
    static func serviceGrant(hostName: String, policy: String, key: String, lifetimeSeconds: Int64 = 3600) throws -> Grant {
        let token = try SASToken.serviceToken(hostName: hostName, keyName: policy, key: key, expiry: Int64(time(nil)) + lifetimeSeconds)
        return Grant(audience: "https://\(hostName)", token: token)
    }

    /// Sends the put-token on `link` (unsettled; the server settles it before it answers):
    /// `message-id` ulong `id`, application properties name/operation/type, amqp-value string body.
    static func sendPutToken(_ grant: Grant, id: UInt64, on link: OpaquePointer) {
        guard let message = pn_message() else { return }
        defer { pn_message_free(message) }
        pn_data_put_ulong(pn_message_id(message), id)
        let properties = pn_message_properties(message)!
        pn_data_put_map(properties)
        pn_data_enter(properties)
        for (key, value) in [("name", grant.audience), ("operation", "put-token"), ("type", "servicebus.windows.net:sastoken")] {
            putString(properties, key)
            putString(properties, value)
        }
        pn_data_exit(properties)
        putString(pn_message_body(message), grant.token)
        var tag = id
        _ = withUnsafeBytes(of: &tag) { pn_delivery(link, pn_dtag($0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)) }
        _ = pn_message_send(message, link, nil)
    }

    /// The int `status-code` application property of a response (whole delivery bytes).
    static func statusCode(ofResponse bytes: UnsafeRawBufferPointer) -> Int? {
        guard let message = pn_message() else { return nil }
        defer { pn_message_free(message) }
        let status = bytes.withMemoryRebound(to: CChar.self) { pn_message_decode(message, $0.baseAddress, $0.count) }
        guard status == 0, let data = pn_message_properties(message) else { return nil }
        pn_data_rewind(data)
        guard pn_data_next(data), pn_data_type(data) == PN_MAP else { return nil }
        let count = Int(pn_data_get_map(data)) / 2
        pn_data_enter(data)
        defer { pn_data_exit(data) }
        for _ in 0..<count {
            guard pn_data_next(data) else { return nil }
            let key = pn_data_type(data) == PN_STRING ? string(pn_data_get_string(data)) : nil
            guard pn_data_next(data) else { return nil }
            guard key == "status-code" else { continue }
            switch pn_data_type(data) {
            case PN_INT: return Int(pn_data_get_int(data))
            case PN_UINT: return Int(pn_data_get_uint(data))
            case PN_LONG: return Int(pn_data_get_long(data))
            default: return nil
            }
        }
        return nil
    }

    static func putString(_ data: OpaquePointer, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = pn_data_put_string(data, pn_bytes(bytes.count, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self)))
        }
    }

    static func putSymbol(_ data: OpaquePointer, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = pn_data_put_symbol(data, pn_bytes(bytes.count, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self)))
        }
    }

    private static func string(_ bytes: pn_bytes_t) -> String? {
        guard let start = bytes.start else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: bytes.size), as: UTF8.self)
    }
}
