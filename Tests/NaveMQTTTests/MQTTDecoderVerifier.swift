import NaveCodecTestSupport
import NaveMQTT
import Testing

extension MQTTFrameDecoder: ResumableDecoder {}

/// `DecoderVerifier` over `MQTTFrameDecoder`, plus what only MQTT has: the non-buffering
/// `MQTTFrameDecoder.decode`, checked on each single-packet input with junk after it and on
/// each of its prefixes.
enum MQTTDecoderVerifier {
    typealias Pair = DecoderVerifier<MQTTFrameDecoder>.Pair

    static func verify(
        _ pairs: [Pair],
        seed: UInt64 = 0x4D51_5454,
        maximumPacketBytes: Int = MQTTFrameDecoder.protocolMaximumPacketBytes,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        DecoderVerifier.verify(pairs, decoder: MQTTFrameDecoder(maximumPacketBytes: maximumPacketBytes),
                               seed: seed, sourceLocation: sourceLocation)
        for pair in pairs where pair.expected.count == 1 {
            direct(pair.input, expected: pair.expected[0], maximumPacketBytes: maximumPacketBytes, sourceLocation: sourceLocation)
        }
    }

    /// Only the random-chunk mode, for long generated streams.
    static func verifyChunked(_ stream: [UInt8], expected: [MQTTPacket], seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        DecoderVerifier.verifyChunked(stream, expected: expected,
                                      decoder: MQTTFrameDecoder(maximumPacketBytes: MQTTFrameDecoder.protocolMaximumPacketBytes),
                                      seed: seed, sourceLocation: sourceLocation)
    }

    /// The static entry point: the packet and its exact length with junk after it, and
    /// "need more" (never an error) for every proper prefix.
    private static func direct(_ input: [UInt8], expected: MQTTPacket, maximumPacketBytes: Int, sourceLocation: SourceLocation) {
        do throws(MQTTDecodeError) {
            let result = try decodeOne(input + Array("JUNK".utf8), maximumPacketBytes: maximumPacketBytes)
            #expect(result?.packet == expected, "direct decode", sourceLocation: sourceLocation)
            #expect(result?.consumed == input.count, "direct decode length", sourceLocation: sourceLocation)
            let prefixLengths = input.count <= 4096 ? Array(0..<input.count) : [0, 1, input.count / 2, input.count - 1]
            for length in prefixLengths {
                let partial = try decodeOne(Array(input[0..<length]), maximumPacketBytes: maximumPacketBytes)
                #expect(partial == nil, "prefix of \(length) bytes decoded", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("direct decode threw \(error)", sourceLocation: sourceLocation)
        }
    }
}
