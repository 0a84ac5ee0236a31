import NaveMQTT
import Testing

/// encode → decode → encode over generated packets: the decoder accepts everything the
/// encoder writes for a valid packet, gives back an equal packet, and the bytes are stable.
@Suite("Round-trip properties")
struct RoundTripPropertyTests {
    static let seed: UInt64 = 0x6E61_7665  // "nave"
    static let packetCount = 3_000

    @Test("3,000 generated packets round-trip through encode and decode")
    func roundTrips() throws {
        var generator = PacketGenerator(seed: Self.seed)
        var lengthFieldSizes: Set<Int> = []
        var seenTypes: Set<MQTTPacketType> = []
        for index in 0..<Self.packetCount {
            let packet = generator.packet()
            var bytes: [UInt8] = []
            packet.encode(into: &bytes)
            #expect(bytes.count == packet.encodedByteCount, "packet \(index)")
            let decoded = try bytes.withUnsafeBytes {
                try MQTTFrameDecoder.decode($0, maximumPacketBytes: MQTTFrameDecoder.protocolMaximumPacketBytes)
            }
            #expect(decoded?.packet == packet, "packet \(index) of seed \(Self.seed)")
            #expect(decoded?.consumed == bytes.count, "packet \(index)")
            var again: [UInt8] = []
            decoded?.packet.encode(into: &again)
            #expect(again == bytes, "packet \(index) re-encodes differently")
            lengthFieldSizes.insert(bytes.count - 1 - remainingLength(bytes))
            seenTypes.insert(packet.type)
        }
        #expect(lengthFieldSizes == [1, 2, 3])
        #expect(seenTypes == Set(MQTTPacketType.allCases))
    }

    @Test("the generated packets stream through the decoder in random chunks")
    func streams() {
        var generator = PacketGenerator(seed: Self.seed &+ 1)
        var stream: [UInt8] = []
        var packets: [MQTTPacket] = []
        for _ in 0..<Self.packetCount {
            let packet = generator.packet()
            packet.encode(into: &stream)
            packets.append(packet)
        }
        MQTTDecoderVerifier.verifyChunked(stream, expected: packets, seed: Self.seed)
    }

    @Test("a sample of generated packets passes the full verifier")
    func verifierOnGeneratedPackets() {
        var generator = PacketGenerator(seed: Self.seed &+ 2)
        var pairs: [MQTTDecoderVerifier.Pair] = []
        while pairs.count < 40 {
            let packet = generator.packet()
            guard packet.encodedByteCount < 2_048 else { continue }
            var bytes: [UInt8] = []
            packet.encode(into: &bytes)
            pairs.append((bytes, [packet]))
        }
        MQTTDecoderVerifier.verify(pairs)
    }

    /// Reads the remaining length back independently of the decoder (§2.2.3).
    private func remainingLength(_ bytes: [UInt8]) -> Int {
        var value = 0
        var shift = 0
        for byte in bytes.dropFirst() {
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return value
    }
}
