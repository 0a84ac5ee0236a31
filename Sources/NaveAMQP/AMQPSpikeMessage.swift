/// The spike's message: one AMQP data section (AMQP 1.0 §3.2.6) holding a 256-byte body whose
/// first 8 bytes are the sender's monotonic clock (little-endian ns), so a receiver on this host
/// can measure end-to-end latency. Encoded once; only the stamp changes per send.
public enum AMQPSpikeMessage {
    /// Body bytes.
    public static let bodyBytes = 256
    /// described(smallulong 0x75 = data) vbin32(256): `00 53 75 b0 00 00 01 00`.
    public static let sectionHeader: [UInt8] = [0x00, 0x53, 0x75, 0xB0, 0x00, 0x00, 0x01, 0x00]
    /// Encoded message bytes (header + body).
    public static let encodedBytes = sectionHeader.count + bodyBytes

    /// The encoded message with a fixed body pattern; the stamp's 8 bytes are zero.
    static let template: [UInt8] = sectionHeader + (0..<bodyBytes).map { $0 < 8 ? 0 : UInt8(truncatingIfNeeded: $0) }

    /// Calls `body` with the encoded message stamped with `now` (on the stack; no allocation).
    @inline(__always)
    static func withStamped<R>(now: Int64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: encodedBytes, alignment: 8) { scratch in
            template.withUnsafeBytes { scratch.copyMemory(from: $0) }
            scratch.storeBytes(of: UInt64(bitPattern: now).littleEndian, toByteOffset: sectionHeader.count, as: UInt64.self)
            return body(UnsafeRawBufferPointer(scratch))
        }
    }

    /// The stamp of a received body (its first 8 bytes), or nil when the body is too short.
    public static func stamp(ofBody body: UnsafeRawBufferPointer) -> Int64? {
        guard body.count >= 8 else { return nil }
        return Int64(bitPattern: UInt64(littleEndian: body.loadUnaligned(as: UInt64.self)))
    }

    /// The body of an encoded spike message (`bytes` as `pn_link_recv` returned them), or nil
    /// when it is not one data section of `bodyBytes`.
    public static func body(ofEncoded bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard bytes.count == encodedBytes, bytes.prefix(sectionHeader.count).elementsEqual(sectionHeader) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes.dropFirst(sectionHeader.count))
    }
}
