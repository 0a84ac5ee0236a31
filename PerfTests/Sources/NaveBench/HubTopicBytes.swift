/// IoT Hub topic pieces as bytes, and the small scans the simulated devices make over topics
/// in the receive buffer (contract §1.6), so that answering a twin response or a method call
/// builds no string.
enum HubTopicBytes {
    static let twinPatch = Array("$iothub/twin/PATCH/properties/reported/?$rid=".utf8)
    static let twinResponse = Array("$iothub/twin/res/".utf8)
    static let methodResponse = Array("$iothub/methods/res/200/?$rid=".utf8)
    static let requestIDKey = Array("$rid=".utf8)
    static let seqOpen = Array("{\"seq\":".utf8)
    static let sendTimeKey = Array(ServiceCalls.c2dTimeKey.utf8)

    /// The range of the value after `key` in `topic` (up to `&` or the end), or nil.
    static func value(in topic: UnsafeRawBufferPointer, after key: [UInt8]) -> Range<Int>? {
        guard topic.count >= key.count else { return nil }
        var start = 0
        search: while start + key.count <= topic.count {
            for offset in 0..<key.count where topic[start + offset] != key[offset] {
                start += 1
                continue search
            }
            var end = start + key.count
            while end < topic.count, topic[end] != UInt8(ascii: "&") { end += 1 }
            return (start + key.count)..<end
        }
        return nil
    }

    /// The decimal number right after `key` in `topic`, or nil.
    static func number(in topic: UnsafeRawBufferPointer, after key: [UInt8]) -> Int? {
        guard let range = value(in: topic, after: key) else { return nil }
        var result = 0, digits = 0
        for index in range {
            let byte = topic[index]
            guard byte >= 0x30, byte <= 0x39 else { break }
            result = result * 10 + Int(byte - 0x30)
            digits += 1
        }
        return digits > 0 ? result : nil
    }

    /// Calls `body` with the decimal digits of `value` (≥ 0) in a stack buffer.
    static func withDigits<T>(_ value: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        withUnsafeTemporaryAllocation(byteCount: 20, alignment: 1) { buffer in
            var remaining = value, count = 0
            repeat {
                buffer[19 - count] = UInt8(0x30 + remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            return body(UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }
}

/// Writes an MQTT packet into a reserved send-queue region.
struct PacketWriter {
    let out: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ out: UnsafeMutableRawBufferPointer) { self.out = out }

    mutating func byte(_ value: UInt8) {
        out[count] = value
        count += 1
    }

    mutating func u16(_ value: UInt16) {
        byte(UInt8(value >> 8))
        byte(UInt8(value & 0xFF))
    }

    mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        UnsafeMutableRawBufferPointer(rebasing: out[count..<(count + bytes.count)]).copyMemory(from: bytes)
        count += bytes.count
    }

    /// PUBLISH fixed header (§3.3.1) with its remaining length (§2.2.3), then the topic's length.
    mutating func publishHeader(qos1: Bool, remaining: Int, topicBytes: Int) {
        byte(qos1 ? 0x32 : 0x30)
        var length = remaining
        repeat {
            var digit = UInt8(length & 0x7F)
            length >>= 7
            if length > 0 { digit |= 0x80 }
            byte(digit)
        } while length > 0
        u16(UInt16(topicBytes))
    }
}
