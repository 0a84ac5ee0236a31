/// Where the body of an event from the hub's Event Hub-compatible endpoint sits in its encoded
/// message, without decoding the message: the endpoint writes the data section last (contract
/// §6.6, `AMQPEventEncoder`), so its header is found from the end. A full `pn_message_decode`
/// per event would cost the one-core harness more than the node spends sending it.
enum AMQPEventBody {
    /// The body of `message`, when its last section is one data section (AMQP 1.0 §3.2.6:
    /// descriptor `0x00 0x53 0x75`, then `vbin8` 0xA0 or `vbin32` 0xB0); `expectedBytes` is
    /// tried first, then every length.
    static func locate(in message: UnsafeRawBufferPointer, expectedBytes: Int) -> UnsafeRawBufferPointer? {
        if let body = body(in: message, length: expectedBytes) { return body }
        var length = 0
        while length + 5 <= message.count {
            if let body = body(in: message, length: length) { return body }
            length += 1
        }
        return nil
    }

    private static func body(in message: UnsafeRawBufferPointer, length: Int) -> UnsafeRawBufferPointer? {
        let count = message.count
        if length > 255 || length == 0 {
            let start = count - length - 8
            guard start >= 0, message[start] == 0, message[start + 1] == 0x53, message[start + 2] == 0x75, message[start + 3] == 0xB0
            else { return nil }
            let declared = Int(message[start + 4]) << 24 | Int(message[start + 5]) << 16 | Int(message[start + 6]) << 8 | Int(message[start + 7])
            guard declared == length else { return nil }
            return UnsafeRawBufferPointer(rebasing: message[(start + 8)...])
        }
        let start = count - length - 5
        guard start >= 0, message[start] == 0, message[start + 1] == 0x53, message[start + 2] == 0x75, message[start + 3] == 0xA0,
              Int(message[start + 4]) == length else { return nil }
        return UnsafeRawBufferPointer(rebasing: message[(start + 5)...])
    }
}

/// The first bytes of a benchmark telemetry body (`HubFleet.writeTelemetry`): the send time
/// (`monotonicNanos`, little-endian), then the sending device's fleet index and the PUBLISH's
/// packet id, so a reader on the same host finds the PUBACK time of the event it received.
struct TelemetryStamp {
    static let bytes = 14
    var sentNanos: Int64
    var device: Int
    var packetID: UInt16

    init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.bytes else { return nil }
        sentNanos = Int64(bitPattern: UInt64(littleEndian: body.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
        device = Int(UInt32(littleEndian: body.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        packetID = UInt16(littleEndian: body.loadUnaligned(fromByteOffset: 12, as: UInt16.self))
    }
}
