import NaveMQTT
import Testing

/// The remaining-length field at each of its size boundaries (MQTT 3.1.1 §2.2.3, table 2.4).
@Suite("Encoder")
struct EncoderTests {
    /// Remaining lengths where the field grows, and the expected field bytes.
    static let boundaries: [(remaining: Int, field: [UInt8])] = [
        (5, [0x05]),  // the smallest PUBLISH to "a/b" with no payload
        (127, [0x7F]),
        (128, [0x80, 0x01]),
        (16_383, [0xFF, 0x7F]),
        (16_384, [0x80, 0x80, 0x01]),
        (2_097_151, [0xFF, 0xFF, 0x7F]),
        (2_097_152, [0x80, 0x80, 0x80, 0x01]),
    ]

    @Test("PUBLISH remaining length at each size boundary", arguments: 0..<boundaries.count)
    func remainingLengthBoundary(_ index: Int) throws {
        let (remaining, field) = Self.boundaries[index]
        // "a/b" costs 5 bytes (§1.5.3); the payload makes up the rest.
        let publish = MQTTPacket.publish(MQTTPublish(topic: "a/b", payload: [UInt8](repeating: 0x5A, count: remaining - 5)))
        var bytes: [UInt8] = []
        publish.encode(into: &bytes)
        #expect(Array(bytes[1...field.count]) == field)
        #expect(bytes.count == 1 + field.count + remaining)
        #expect(publish.encodedByteCount == bytes.count)
        let decoded = try bytes.withUnsafeBytes {
            try MQTTFrameDecoder.decode($0, maximumPacketBytes: MQTTFrameDecoder.protocolMaximumPacketBytes)
        }
        #expect(decoded?.packet == publish)
    }

    @Test("a QoS 0 PUBLISH without packet id and a QoS 1 PUBLISH with one differ by two bytes")
    func packetIDPresence() {
        let qos0 = MQTTPacket.publish(MQTTPublish(topic: "t", payload: [1], qos: .atMostOnce))
        let qos1 = MQTTPacket.publish(MQTTPublish(topic: "t", payload: [1], qos: .atLeastOnce, packetID: 7))
        #expect(qos1.encodedByteCount == qos0.encodedByteCount + 2)
    }

    @Test("CONNECT flags follow the optional fields (§3.1.2.3)")
    func connectFlags() {
        let connect = MQTTPacket.connect(
            MQTTConnect(
                clientID: "c",
                cleanSession: false,
                will: MQTTWill(topic: "w", payload: [], qos: .exactlyOnce, retain: false),
                username: "u"
            )
        )
        var bytes: [UInt8] = []
        connect.encode(into: &bytes)
        // Fixed header (2), protocol name (6), level (1), then the flags byte.
        #expect(bytes[9] == 0b1001_0100)
    }
}
