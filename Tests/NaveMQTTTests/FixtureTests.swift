import NaveMQTT
import Testing

/// Hand-written bytes from the figures of MQTT 3.1.1 §3 against both halves of the codec.
@Suite("Byte fixtures")
struct FixtureTests {
    @Test("decodes each fixture to its packet", arguments: packetFixtures)
    func decodesFixture(_ fixture: PacketFixture) throws {
        let decoded = try fixture.bytes.withUnsafeBytes { try MQTTFrameDecoder.decode($0) }
        #expect(decoded?.packet == fixture.packet)
        #expect(decoded?.consumed == fixture.bytes.count)
    }

    @Test("encodes each packet to exactly the fixture's bytes", arguments: packetFixtures.filter(\.canonical))
    func encodesFixture(_ fixture: PacketFixture) {
        var bytes: [UInt8] = []
        fixture.packet.encode(into: &bytes)
        #expect(bytes == fixture.bytes)
        #expect(fixture.packet.encodedByteCount == fixture.bytes.count)
    }

    @Test("every packet type has a fixture")
    func coversEveryType() {
        let covered = Set(packetFixtures.map(\.packet.type))
        #expect(covered == Set(MQTTPacketType.allCases))
    }

    @Test("verifier: whole, drip-fed, concatenated, random chunks, direct")
    func verifier() {
        MQTTDecoderVerifier.verify(packetFixtures.map { ($0.bytes, [$0.packet]) })
    }

    @Test("verifier: several packets in one input")
    func verifierWithMultiPacketInputs() {
        let ping = packetFixtures.first { $0.name == "PINGREQ" }!
        let publish = packetFixtures.first { $0.name == "PUBLISH QoS 1 DUP RETAIN" }!
        MQTTDecoderVerifier.verify([
            (ping.bytes + publish.bytes + ping.bytes, [ping.packet, publish.packet, ping.packet]),
            (publish.bytes, [publish.packet]),
        ])
    }

    @Test("encode(into:) on a raw buffer writes at the start and reports the length")
    func encodeIntoRawBuffer() {
        let fixture = packetFixtures.first { $0.name == "SUBSCRIBE two filters" }!
        var storage = [UInt8](repeating: 0xEE, count: fixture.bytes.count + 8)
        let written = storage.withUnsafeMutableBytes { fixture.packet.encode(into: $0) }
        #expect(written == fixture.bytes.count)
        #expect(Array(storage[..<written]) == fixture.bytes)
        #expect(storage[written...].allSatisfy { $0 == 0xEE })
    }

    @Test("encode(into:) on an array appends")
    func encodeAppends() {
        var bytes: [UInt8] = [0x01, 0x02]
        MQTTPacket.pingreq.encode(into: &bytes)
        #expect(bytes == [0x01, 0x02, 0xC0, 0x00])
    }
}
