import NaveTestSupport
import NaveMQTT
import Testing

/// Feeds inputs to `MQTTFrameDecoder` in every way a socket might deliver them, after SwiftNIO's
/// `ByteToMessageDecoderVerifier`, and records an issue whenever the packets that come out are
/// not exactly the expected ones, in order, with nothing left over.
///
/// Modes: each input whole; each input one byte at a time, every byte in its own buffer with
/// junk on both sides that the decoder must not read; all inputs concatenated (ten times, in a
/// shuffled order) in one feed; the same stream in random-size chunks; and the non-buffering
/// `MQTTFrameDecoder.decode` on each input with junk after it and on each of its prefixes.
enum MQTTDecoderVerifier {
    typealias Pair = (input: [UInt8], expected: [MQTTPacket])

    static func verify(
        _ pairs: [Pair],
        seed: UInt64 = 0x4D51_5454,
        maximumPacketBytes: Int = MQTTFrameDecoder.protocolMaximumPacketBytes,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var random = SeededGenerator(seed: seed)
        let check = Checker(sourceLocation: sourceLocation, maximumPacketBytes: maximumPacketBytes)
        check.whole(pairs.shuffled(using: &random))
        check.dripFed(pairs.shuffled(using: &random))
        var stream: [UInt8] = []
        var expected: [MQTTPacket] = []
        for _ in 0..<10 {
            for pair in pairs.shuffled(using: &random) {
                stream += pair.input
                expected += pair.expected
            }
        }
        check.chunked(stream, expected: expected, mode: "concatenated") { _ in stream.count }
        for round in 0..<4 {
            check.chunked(stream, expected: expected, mode: "random chunks \(round)") { _ in randomChunkSize(&random) }
        }
        for pair in pairs where pair.expected.count == 1 {
            check.direct(pair.input, expected: pair.expected[0])
        }
    }

    /// Only the random-chunk mode, for long generated streams where drip-feeding every byte
    /// ten times over would be slow in a debug build.
    static func verifyChunked(
        _ stream: [UInt8],
        expected: [MQTTPacket],
        seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var random = SeededGenerator(seed: seed)
        let check = Checker(sourceLocation: sourceLocation, maximumPacketBytes: MQTTFrameDecoder.protocolMaximumPacketBytes)
        check.chunked(stream, expected: expected, mode: "random chunks") { _ in randomChunkSize(&random) }
    }

    /// Mostly small reads, now and then one that spans several packets.
    private static func randomChunkSize(_ random: inout SeededGenerator) -> Int {
        Int.random(in: 0..<8, using: &random) == 0 ? Int.random(in: 1...4096, using: &random) : Int.random(in: 1...16, using: &random)
    }

    private struct Checker {
        let sourceLocation: SourceLocation
        let maximumPacketBytes: Int

        func whole(_ pairs: [Pair]) {
            var decoder = MQTTFrameDecoder(maximumPacketBytes: maximumPacketBytes)
            for pair in pairs {
                decoder.feed(pair.input)
                guard let packets = drain(&decoder) else { return }
                compare(packets, pair.expected, "whole")
            }
            expectEmpty(decoder, "whole")
        }

        func dripFed(_ pairs: [Pair]) {
            var decoder = MQTTFrameDecoder(maximumPacketBytes: maximumPacketBytes)
            for pair in pairs {
                var produced: [MQTTPacket] = []
                for byte in pair.input {
                    let framed: [UInt8] = Array("BEFORE".utf8) + [byte] + Array("AFTER".utf8)
                    framed.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[6..<7])) }
                    guard let packets = drain(&decoder) else { return }
                    produced += packets
                }
                compare(produced, pair.expected, "drip-fed")
            }
            expectEmpty(decoder, "drip-fed")
        }

        func chunked(
            _ stream: [UInt8],
            expected: [MQTTPacket],
            mode: String,
            nextChunkSize: (Int) -> Int
        ) {
            var decoder = MQTTFrameDecoder(maximumPacketBytes: maximumPacketBytes)
            var produced: [MQTTPacket] = []
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + max(1, nextChunkSize(offset)))
                stream.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
                guard let packets = drain(&decoder) else { return }
                produced += packets
                offset = end
            }
            compare(produced, expected, mode)
            expectEmpty(decoder, mode)
        }

        /// The static entry point: the packet and its exact length with junk after it, and
        /// "need more" (never an error) for every proper prefix.
        func direct(_ input: [UInt8], expected: MQTTPacket) {
            let padded = input + Array("JUNK".utf8)
            do {
                let result = try padded.withUnsafeBytes {
                    try MQTTFrameDecoder.decode($0, maximumPacketBytes: maximumPacketBytes)
                }
                #expect(result?.packet == expected, "direct decode", sourceLocation: sourceLocation)
                #expect(result?.consumed == input.count, "direct decode length", sourceLocation: sourceLocation)
                let prefixLengths = input.count <= 4096 ? Array(0..<input.count) : [0, 1, input.count / 2, input.count - 1]
                for length in prefixLengths {
                    let partial = try input.withUnsafeBytes {
                        try MQTTFrameDecoder.decode(UnsafeRawBufferPointer(rebasing: $0[0..<length]), maximumPacketBytes: maximumPacketBytes)
                    }
                    #expect(partial == nil, "prefix of \(length) bytes decoded", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record("direct decode threw \(error)", sourceLocation: sourceLocation)
            }
        }

        /// Every packet the decoder has ready; nil (after recording the issue) if it threw.
        private func drain(_ decoder: inout MQTTFrameDecoder) -> [MQTTPacket]? {
            var packets: [MQTTPacket] = []
            do {
                while let packet = try decoder.next() { packets.append(packet) }
            } catch {
                Issue.record("decoder threw \(error)", sourceLocation: sourceLocation)
                return nil
            }
            return packets
        }

        private func compare(_ produced: [MQTTPacket], _ expected: [MQTTPacket], _ mode: String) {
            guard produced != expected else { return }
            if produced.count != expected.count {
                Issue.record("\(mode): \(produced.count) packets, expected \(expected.count)", sourceLocation: sourceLocation)
            } else if let index = produced.indices.first(where: { produced[$0] != expected[$0] }) {
                Issue.record("\(mode): packet \(index) is \(produced[index]), expected \(expected[index])", sourceLocation: sourceLocation)
            }
        }

        private func expectEmpty(_ decoder: MQTTFrameDecoder, _ mode: String) {
            #expect(decoder.bufferedByteCount == 0, "\(mode): bytes left over", sourceLocation: sourceLocation)
        }
    }
}
