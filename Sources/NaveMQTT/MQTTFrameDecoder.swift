/// A resumable MQTT 3.1.1 decoder: feed it bytes as they arrive, take packets out as they
/// complete.
///
/// ```swift
/// var decoder = MQTTFrameDecoder(maximumPacketBytes: limit)
/// decoder.feed(received)
/// while let packet = try decoder.next() { handle(packet) }
/// ```
///
/// Work is linear in the bytes fed: a packet's body is parsed exactly once, when all of it
/// has arrived; until then `next()` compares the buffered count with the size the fixed
/// header announced (or re-reads the at most five bytes of an incomplete header). An
/// oversized or malformed fixed header is reported before the body is awaited. Consumed bytes
/// are dropped from the buffer in bulk, once they are at least half of it, so each byte is
/// moved at most a bounded number of times.
///
/// Once `next()` throws, the decoder is poisoned: it ignores further bytes and throws the
/// same error again, because the stream has lost its framing (§4.8: close the connection).
public struct MQTTFrameDecoder: Sendable {
    /// The default limit: an IoT Hub message of 256 KiB (its device-to-cloud maximum) with the
    /// longest topic name MQTT can carry (2 + 65,535 bytes), a packet identifier and a
    /// five-byte fixed header.
    public static let defaultMaximumPacketBytes = 262_144 + 2 + 65_535 + 2 + 5
    /// The largest packet the protocol can frame: a five-byte fixed header and a remaining
    /// length of 268,435,455 bytes (§2.2.3).
    public static let protocolMaximumPacketBytes = 5 + MQTTFixedHeader.remainingLengthMax
    /// Buffer capacity kept between packets once everything is consumed; a larger buffer is
    /// released, so one big packet does not pin its memory for the connection's lifetime.
    public static let defaultRetainedBufferBytesMax = 4_096

    /// The largest packet accepted, fixed header included, in bytes.
    public let maximumPacketBytes: Int
    /// The most buffer capacity kept after the buffer drains, in bytes.
    public let retainedBufferBytesMax: Int

    private var buffer: [UInt8] = []
    /// Everything before this index has been decoded.
    private var readIndex = 0
    private var failure: MQTTDecodeError?
    /// The size of the packet at `readIndex` once its fixed header has been read, else 0:
    /// until that many bytes are buffered, `next()` has nothing to parse.
    private var awaitedPacketBytes = 0

    /// Creates a decoder that refuses packets larger than `maximumPacketBytes`.
    ///
    /// - Precondition: `2 <= maximumPacketBytes <= protocolMaximumPacketBytes` (2 is the
    ///   smallest packet, e.g. PINGREQ) and `retainedBufferBytesMax >= 0`.
    public init(
        maximumPacketBytes: Int = defaultMaximumPacketBytes,
        retainedBufferBytesMax: Int = defaultRetainedBufferBytesMax
    ) {
        precondition(
            (2...Self.protocolMaximumPacketBytes).contains(maximumPacketBytes),
            "maximumPacketBytes \(maximumPacketBytes) outside 2...\(Self.protocolMaximumPacketBytes)"
        )
        precondition(retainedBufferBytesMax >= 0, "retainedBufferBytesMax must not be negative")
        self.maximumPacketBytes = maximumPacketBytes
        self.retainedBufferBytesMax = retainedBufferBytesMax
    }

    /// Bytes fed but not yet returned as packets.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes. Call `next()` until it returns nil afterwards, or the buffer
    /// grows without limit. Ignored once the decoder has failed.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, bytes.count > 0 else { return }
        // Drop consumed bytes once they are at least half the buffer: the bytes moved are then
        // never more than the bytes consumed, which keeps feeding linear overall.
        if readIndex > 0 && readIndex >= buffer.count - readIndex {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes; see `feed(_:)` on raw buffers.
    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// The next complete packet, or nil if more bytes are needed.
    ///
    /// - Throws: the first `MQTTDecodeError` met, and the same one on every later call.
    public mutating func next() throws(MQTTDecodeError) -> MQTTPacket? {
        if let failure { throw failure }
        guard bufferedByteCount > 0, bufferedByteCount >= awaitedPacketBytes else { return nil }
        let start = readIndex
        let limit = maximumPacketBytes
        // `Array.withUnsafeBytes` only rethrows untyped errors; a `Result` keeps the type.
        let result = buffer.withUnsafeBytes { all in
            Result { () throws(MQTTDecodeError) in
                try Self.step(UnsafeRawBufferPointer(rebasing: all[start...]), maximumPacketBytes: limit)
            }
        }
        switch result {
        case .success(.needsMore(let packetBytes)):
            awaitedPacketBytes = packetBytes ?? 0
            return nil
        case .success(.packet(let packet, let consumed)):
            consume(consumed)
            return packet
        case .failure(let error):
            failure = error
            buffer = []
            readIndex = 0
            throw error
        }
    }

    /// Moves past a decoded packet; an emptied buffer starts over at index 0 and gives back
    /// capacity above `retainedBufferBytesMax`.
    private mutating func consume(_ byteCount: Int) {
        awaitedPacketBytes = 0
        readIndex += byteCount
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= retainedBufferBytesMax)
            readIndex = 0
        }
    }

    /// Decodes the packet at the start of `bytes` without buffering or copying them: for a
    /// receive buffer that already holds whole packets.
    ///
    /// - Returns: the packet and how many bytes it took, or nil if `bytes` ends before the
    ///   packet does. Bytes after the packet are not looked at.
    /// - Throws: `MQTTDecodeError` as soon as the bytes present prove the packet malformed or
    ///   larger than `maximumPacketBytes`, even if the rest has not arrived.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        maximumPacketBytes: Int = defaultMaximumPacketBytes
    ) throws(MQTTDecodeError) -> (packet: MQTTPacket, consumed: Int)? {
        switch try step(bytes, maximumPacketBytes: maximumPacketBytes) {
        case .packet(let packet, let consumed): (packet, consumed)
        case .needsMore: nil
        }
    }

    /// What one decoding attempt found at the start of the bytes.
    private enum Step {
        case packet(MQTTPacket, consumed: Int)
        /// The packet is incomplete; its total size once the fixed header is complete.
        case needsMore(packetBytes: Int?)
    }

    private static func step(_ bytes: UnsafeRawBufferPointer, maximumPacketBytes: Int) throws(MQTTDecodeError) -> Step {
        guard let header = try MQTTFixedHeader.parse(bytes, maximumPacketBytes: maximumPacketBytes) else {
            return .needsMore(packetBytes: nil)
        }
        guard bytes.count >= header.packetByteCount else { return .needsMore(packetBytes: header.packetByteCount) }
        let body = UnsafeRawBufferPointer(rebasing: bytes[header.byteCount..<header.packetByteCount])
        return .packet(try MQTTPacket.decode(header, body: body), consumed: header.packetByteCount)
    }
}
