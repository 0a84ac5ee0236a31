import NaveCodecTestSupport
import NaveMQTT
import Testing

/// Repeated fields and long packets fed in the worst way: a decoder that re-parses or copies
/// its whole buffer per byte or per field would take minutes here, not a second. The time
/// limit is a hang guard, not a benchmark.
@Suite("Linear time", .timeLimit(.minutes(1)))
struct LinearTimeTests {
    private func filter(_ index: Int) -> String { "d/\(index)/+/#" }

    private func dripFeed(_ bytes: [UInt8]) throws(MQTTDecodeError) -> [MQTTPacket] {
        let decoded = MQTTFrameDecoder(maximumPacketBytes: MQTTFrameDecoder.protocolMaximumPacketBytes).decodeAll(bytes, chunkSize: 1)
        #expect(decoded.bufferedByteCount == 0)
        return try decoded.get()
    }

    @Test("SUBSCRIBE with 50,000 filters, fed one byte at a time")
    func subscribeManyFilters() throws {
        let count = 50_000
        let subscribe = MQTTPacket.subscribe(
            MQTTSubscribe(packetID: 1, subscriptions: (0..<count).map { MQTTSubscription(filter: filter($0), qos: .atLeastOnce) })
        )
        var bytes: [UInt8] = []
        subscribe.encode(into: &bytes)
        let packets = try dripFeed(bytes)
        guard packets.count == 1, case .subscribe(let decoded) = packets[0] else {
            Issue.record("expected one SUBSCRIBE, got \(packets.count) packets")
            return
        }
        #expect(decoded.subscriptions.count == count)
        #expect(decoded.subscriptions.last?.filter == filter(count - 1))
    }

    @Test("UNSUBSCRIBE with 20,000 filters, fed one byte at a time")
    func unsubscribeManyFilters() throws {
        let count = 20_000
        let unsubscribe = MQTTPacket.unsubscribe(MQTTUnsubscribe(packetID: 1, filters: (0..<count).map(filter)))
        var bytes: [UInt8] = []
        unsubscribe.encode(into: &bytes)
        let packets = try dripFeed(bytes)
        #expect(packets == [unsubscribe])
    }

    @Test("SUBACK with 20,000 return codes in one piece")
    func subackManyCodes() throws {
        let suback = MQTTPacket.suback(MQTTSubAck(packetID: 9, returnCodes: Array(repeating: .grantedQoS1, count: 20_000)))
        var bytes: [UInt8] = []
        suback.encode(into: &bytes)
        let decoded = try bytes.withUnsafeBytes { try MQTTFrameDecoder.decode($0) }
        #expect(decoded?.packet == suback)
    }

    @Test("a 1 MB PUBLISH fed one byte at a time")
    func largePublish() throws {
        let payload = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let publish = MQTTPacket.publish(MQTTPublish(topic: "big/payload", payload: payload, qos: .atLeastOnce, packetID: 3))
        var bytes: [UInt8] = []
        publish.encode(into: &bytes)
        #expect(try dripFeed(bytes) == [publish])
    }

    @Test("10,000 small packets fed one byte at a time")
    func manySmallPackets() throws {
        var bytes: [UInt8] = []
        var expected: [MQTTPacket] = []
        for index in 0..<10_000 {
            let packet = MQTTPacket.publish(MQTTPublish(topic: "t/\(index)", payload: [UInt8(index & 0xFF)]))
            packet.encode(into: &bytes)
            expected.append(packet)
        }
        #expect(try dripFeed(bytes) == expected)
    }
}
