extension MQTTPacket {
    /// The exact number of bytes `encode(into:)` writes for this packet, fixed header included.
    ///
    /// Traps if the packet cannot be framed at all: a string or binary field over 65,535 bytes
    /// (§1.5.3), a body over 268,435,455 bytes (§2.2.3), or a PUBLISH whose packet identifier
    /// does not match its QoS (§2.3.1). Other rules (topic syntax, non-zero packet identifiers)
    /// are the sender's to keep; the decoder on the other side checks them.
    public var encodedByteCount: Int {
        let remaining = remainingLength
        return 1 + remainingLengthFieldBytes(remaining) + remaining
    }

    /// Writes the packet at the start of `buffer` and returns the number of bytes written,
    /// which is `encodedByteCount`. Allocates nothing.
    ///
    /// - Precondition: `buffer.count >= encodedByteCount`.
    @discardableResult
    public func encode(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let remaining = remainingLength
        let total = 1 + remainingLengthFieldBytes(remaining) + remaining
        precondition(buffer.count >= total, "MQTT encode buffer of \(buffer.count) bytes, packet needs \(total)")
        var writer = MQTTByteWriter(buffer)
        writer.write(MQTTFixedHeader.firstByte(type, flags: fixedHeaderFlags))
        writer.writeRemainingLength(remaining)
        writeBody(&writer)
        assert(writer.index == total, "MQTT encoder wrote \(writer.index) bytes, announced \(total)")
        return writer.index
    }

    /// Appends the encoded packet to `bytes`, growing it once by `encodedByteCount`.
    public func encode(into bytes: inout [UInt8]) {
        let start = bytes.count
        let count = encodedByteCount
        bytes.append(contentsOf: repeatElement(0, count: count))
        bytes.withUnsafeMutableBytes { all in
            _ = encode(into: UnsafeMutableRawBufferPointer(rebasing: all[start..<start + count]))
        }
    }

    /// The flags nibble (§2.2.2): fixed per type, except PUBLISH's DUP/QoS/RETAIN.
    private var fixedHeaderFlags: UInt8 {
        if case .publish(let publish) = self { return publish.flags }
        return type.requiredFlags ?? 0
    }

    /// The length of the variable header and payload (§2.2.3).
    private var remainingLength: Int {
        let length: Int
        switch self {
        case .connect(let connect): length = connect.remainingLength
        case .connack, .puback, .pubrec, .pubrel, .pubcomp, .unsuback: length = 2
        case .publish(let publish): length = publish.remainingLength
        case .subscribe(let subscribe): length = subscribe.remainingLength
        case .suback(let suback): length = suback.remainingLength
        case .unsubscribe(let unsubscribe): length = unsubscribe.remainingLength
        case .pingreq, .pingresp, .disconnect: length = 0
        }
        precondition(length <= MQTTFixedHeader.remainingLengthMax, "MQTT packet body of \(length) bytes exceeds 268435455")
        return length
    }

    private func writeBody(_ writer: inout MQTTByteWriter) {
        switch self {
        case .connect(let connect): connect.writeBody(&writer)
        case .connack(let connack): connack.writeBody(&writer)
        case .publish(let publish): publish.writeBody(&writer)
        case .puback(let packetID), .pubrec(let packetID), .pubrel(let packetID), .pubcomp(let packetID),
            .unsuback(let packetID):
            writer.write(packetID)
        case .subscribe(let subscribe): subscribe.writeBody(&writer)
        case .suback(let suback): suback.writeBody(&writer)
        case .unsubscribe(let unsubscribe): unsubscribe.writeBody(&writer)
        case .pingreq, .pingresp, .disconnect: break
        }
    }
}
