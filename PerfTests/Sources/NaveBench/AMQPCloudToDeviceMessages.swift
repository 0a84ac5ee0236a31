import CNaveProton

/// The C2D messages of `nave-bench amqp c2d` (contract §5.3): one encoded AMQP message per
/// device, `properties.to = /devices/{id}/messages/devicebound` and one data section
/// `t=<20 digits>xxx…` (the body the REST C2D scenario sends: the device reads the send time
/// from it), encoded once with Proton and the time patched in per send; devices round-robin.
final class AMQPCloudToDeviceMessages {
    private var messages: [[UInt8]] = []
    private var timeOffsets: [Int] = []
    private var next = 0

    init(deviceIDs: [String], bodyBytes: Int) throws {
        let body = Array((ServiceCalls.c2dTimeKey + String(repeating: "0", count: 20) + String(repeating: "x", count: max(0, bodyBytes - 22))).utf8)
        for id in deviceIDs {
            guard let message = pn_message() else { throw BrokerProcess.Failure(description: "pn_message failed") }
            defer { pn_message_free(message) }
            pn_message_set_address(message, "/devices/\(id)/messages/devicebound")
            AMQPCBS.putString(pn_message_id(message), "bench-\(id)")
            pn_message_set_inferred(message, true) // a binary body is one data section (§3.2.6)
            body.withUnsafeBufferPointer { bytes in
                _ = pn_data_put_binary(pn_message_body(message), pn_bytes(bytes.count, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self)))
            }
            var encoded = [UInt8](repeating: 0, count: 1024 + body.count)
            var size = encoded.count
            let status = encoded.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { pn_message_encode(message, $0.baseAddress, &size) }
            }
            guard status == 0 else { throw BrokerProcess.Failure(description: "pn_message_encode failed: \(status)") }
            encoded.removeSubrange(size...)
            guard let at = Self.find(body.prefix(22), in: encoded) else { throw BrokerProcess.Failure(description: "C2D body not found") }
            messages.append(encoded)
            timeOffsets.append(at + ServiceCalls.c2dTimeKey.utf8.count)
        }
    }

    /// The next device's message with `now` written into its body.
    func withNext(now: Int64, _ body: (UnsafeRawBufferPointer) -> Void) {
        let index = next
        next = next + 1 == messages.count ? 0 : next + 1
        var value = UInt64(now)
        let start = timeOffsets[index]
        for position in stride(from: start + 19, through: start, by: -1) {
            messages[index][position] = UInt8(48 + value % 10)
            value /= 10
        }
        messages[index].withUnsafeBytes(body)
    }

    private static func find(_ needle: ArraySlice<UInt8>, in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
