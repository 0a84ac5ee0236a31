@testable import NaveAMQP
import Testing

/// Proton drops trailing null fields; pyamqp indexes performatives by position. The padding
/// must give every performative its full field count without touching anything else.
@Suite("AMQP performative padding (pyamqp compatibility)")
struct AMQPPerformativePaddingTests {
    /// A frame: 8-byte header (doff 2, type, channel 0) + performative + payload.
    static func frame(type: UInt8 = 0, descriptor: UInt8, list: [UInt8], payload: [UInt8] = []) -> [UInt8] {
        let body = [0x00, 0x53, descriptor] + list + payload
        let size = 8 + body.count
        return [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF), 2, type, 0, 0] + body
    }

    static func padded(_ chunks: [[UInt8]]) -> [UInt8] {
        var padding = AMQPPerformativePadding()
        var output: [UInt8] = []
        for chunk in chunks { chunk.withUnsafeBytes { padding.pad($0, into: &output) } }
        return output
    }

    @Test("a begin with four fields gets all eight, handle-max as the spec's default")
    func beginPadded() {
        // remote-channel ushort 1, next-outgoing-id 0 (uint0), incoming-window, outgoing-window (uint0)
        let items: [UInt8] = [0x60, 0x00, 0x01, 0x43, 0x43, 0x43]
        let input = Self.frame(descriptor: 0x11, list: [0xC0, UInt8(items.count + 1), 4] + items)
        let expectedItems = items + [0x70, 0xFF, 0xFF, 0xFF, 0xFF, 0x40, 0x40, 0x40]
        #expect(Self.padded([input]) == Self.frame(descriptor: 0x11, list: [0xC0, UInt8(expectedItems.count + 1), 8] + expectedItems))
    }

    @Test("a transfer keeps its payload after exactly eleven fields")
    func transferPayloadStays() {
        let items: [UInt8] = [0x43, 0x43, 0xA0, 0x01, 0x07, 0x43, 0x41]  // handle, id, tag, format, settled=true
        let payload: [UInt8] = [0x00, 0x53, 0x75, 0xA0, 0x02, 0x68, 0x69]
        let input = Self.frame(descriptor: 0x14, list: [0xC0, UInt8(items.count + 1), 5] + items, payload: payload)
        let expectedItems = items + Array(repeating: 0x40, count: 6)
        #expect(Self.padded([input]) == Self.frame(descriptor: 0x14, list: [0xC0, UInt8(expectedItems.count + 1), 11] + expectedItems, payload: payload))
    }

    @Test("an empty close (list0) becomes a list8 with its one field")
    func list0Close() {
        #expect(Self.padded([Self.frame(descriptor: 0x18, list: [0x45])]) == Self.frame(descriptor: 0x18, list: [0xC0, 2, 1, 0x40]))
    }

    @Test("protocol headers, full performatives and unknown frames pass unchanged; a frame split across writes is joined")
    func passThroughAndSplit() {
        let header: [UInt8] = Array("AMQP".utf8) + [3, 1, 0, 0]
        let fullDetach = Self.frame(descriptor: 0x16, list: [0xC0, 4, 3, 0x43, 0x41, 0x40])
        let empty: [UInt8] = [0, 0, 0, 8, 2, 0, 0, 0]  // heartbeat
        let stream = header + fullDetach + empty
        #expect(Self.padded([stream]) == stream)
        #expect(Self.padded([Array(stream[0..<5]), Array(stream[5..<13]), Array(stream[13...])]) == stream)
    }

    @Test("a performative that outgrows list8 is re-encoded as list32")
    func growsToList32() {
        // An attach whose name is 250 bytes: 3 fields present (name, handle, role), 14 needed.
        let name: [UInt8] = [0xA1, 250] + Array(repeating: 0x61, count: 250)
        let items = name + [0x43, 0x42]
        let input = Self.frame(descriptor: 0x12, list: [0xD0] + be32(items.count + 4) + be32(3) + items)
        let output = Self.padded([input])
        let expectedItems = items + Array(repeating: 0x40, count: 11)
        #expect(output == Self.frame(descriptor: 0x12, list: [0xD0] + be32(expectedItems.count + 4) + be32(14) + expectedItems))
    }

    private func be32(_ value: Int) -> [UInt8] { [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
}
