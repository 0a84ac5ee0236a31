/// Splits what a load-generating client receives into whole MQTT packets by their fixed header
/// (type and flags, then 1–4 bytes of remaining length: MQTT 3.1.1 §2.2.3). Packets are handed
/// over in place; only the bytes of a packet split across reads are kept, in `carry`, until the
/// rest arrives — so the steady state allocates nothing per message.
struct MQTTPacketSplitter {
    private var carry: [UInt8] = []

    /// Forgets a partial packet (a new connection starts clean).
    mutating func reset() { carry.removeAll(keepingCapacity: true) }

    /// Calls `handle(packet, headerBytes)` for every whole packet in what was kept and `bytes`;
    /// `handle` returns false to drop the rest (its connection was closed).
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (UnsafeRawBufferPointer, Int) -> Bool) {
        if carry.isEmpty {
            let consumed = Self.split(bytes, handle)
            if consumed < bytes.count { carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...])) }
        } else {
            carry.append(contentsOf: bytes)
            let consumed = carry.withUnsafeBytes { Self.split($0, handle) }
            carry.removeSubrange(0..<consumed)
        }
    }

    /// Handles every whole packet at the start of `bytes`; returns the bytes consumed.
    private static func split(_ bytes: UnsafeRawBufferPointer, _ handle: (UnsafeRawBufferPointer, Int) -> Bool) -> Int {
        var offset = 0
        while bytes.count - offset >= 2 {
            var length = 0, headerBytes = 1, complete = false
            while headerBytes <= 4, offset + headerBytes < bytes.count {
                let byte = bytes[offset + headerBytes]
                length |= Int(byte & 0x7F) << (7 * (headerBytes - 1))
                headerBytes += 1
                if byte & 0x80 == 0 { complete = true; break }
            }
            guard complete, bytes.count - offset >= headerBytes + length else { break }
            let packet = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + headerBytes + length)])
            offset += headerBytes + length
            if !handle(packet, headerBytes) { return bytes.count }
        }
        return offset
    }
}
