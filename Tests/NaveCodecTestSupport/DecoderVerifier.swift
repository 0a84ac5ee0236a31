import Testing

/// Feeds inputs to a `ResumableDecoder` in every way a socket might deliver them, after
/// SwiftNIO's `ByteToMessageDecoderVerifier`, and records an issue whenever what comes out is
/// not exactly what was expected, in order, with nothing left over. Every piece is fed from
/// inside a buffer with junk on both sides, which the decoder must not read.
///
/// Accepted inputs (`verify`): each input whole; each input one byte at a time; all inputs
/// concatenated (ten times, in a shuffled order) in one feed; the same stream in random-size
/// chunks. Refused inputs (`verifyRefusal`, in `DecoderVerifier+Refusal.swift`): the same error
/// fed whole, drip-fed and in random chunks, and poisoned afterwards.
public enum DecoderVerifier<Decoder: ResumableDecoder> {
    public typealias Pair = (input: [UInt8], expected: [Decoder.Message])

    /// Every mode over `pairs`, each starting from a copy of `decoder`.
    public static func verify(
        _ pairs: [Pair],
        decoder: Decoder,
        seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var random = SeededGenerator(seed: seed)
        let check = Checker(prototype: decoder, sourceLocation: sourceLocation)
        check.perInput(pairs.shuffled(using: &random), mode: "whole") { _ in .max }
        check.perInput(pairs.shuffled(using: &random), mode: "drip-fed") { _ in 1 }
        var stream: [UInt8] = []
        var expected: [Decoder.Message] = []
        for _ in 0..<10 {
            for pair in pairs.shuffled(using: &random) {
                stream += pair.input
                expected += pair.expected
            }
        }
        check.stream(stream, expected: expected, mode: "concatenated") { _ in .max }
        for round in 0..<4 {
            check.stream(stream, expected: expected, mode: "random chunks \(round)") { _ in randomChunkSize(&random) }
        }
    }

    /// Only the random-chunk mode, for long generated streams where drip-feeding every byte
    /// ten times over would be slow in a debug build.
    public static func verifyChunked(
        _ stream: [UInt8],
        expected: [Decoder.Message],
        decoder: Decoder,
        seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var random = SeededGenerator(seed: seed)
        Checker(prototype: decoder, sourceLocation: sourceLocation)
            .stream(stream, expected: expected, mode: "random chunks") { _ in randomChunkSize(&random) }
    }

    /// Mostly small reads, now and then one that spans several messages.
    static func randomChunkSize(_ random: inout SeededGenerator) -> Int {
        Int.random(in: 0..<8, using: &random) == 0 ? Int.random(in: 1...4096, using: &random) : Int.random(in: 1...16, using: &random)
    }

    struct Checker {
        let prototype: Decoder
        let sourceLocation: SourceLocation

        /// One decoder for all inputs, each input's messages compared on their own.
        func perInput(_ pairs: [Pair], mode: String, nextChunkSize: (Int) -> Int) {
            var decoder = prototype
            for pair in pairs {
                let (produced, error) = feed(pair.input, to: &decoder, nextChunkSize: nextChunkSize)
                if let error { return record("\(mode): decoder threw \(error)") }
                compare(produced, pair.expected, mode)
            }
            expectEmpty(decoder, mode)
        }

        func stream(_ stream: [UInt8], expected: [Decoder.Message], mode: String, nextChunkSize: (Int) -> Int) {
            var decoder = prototype
            let (produced, error) = feed(stream, to: &decoder, nextChunkSize: nextChunkSize)
            if let error { return record("\(mode): decoder threw \(error)") }
            compare(produced, expected, mode)
            expectEmpty(decoder, mode)
        }

        /// Feeds `bytes` in pieces (`nextChunkSize` is given the offset), each from inside a
        /// buffer with junk around it, and takes every message after each piece: the messages
        /// and the error that stopped it, if any.
        func feed(
            _ bytes: [UInt8],
            to decoder: inout Decoder,
            nextChunkSize: (Int) -> Int
        ) -> (messages: [Decoder.Message], error: Decoder.Failure?) {
            var messages: [Decoder.Message] = []
            var offset = 0
            while offset < bytes.count {
                let end = offset + min(bytes.count - offset, max(1, nextChunkSize(offset)))
                let framed = junkBefore + bytes[offset..<end] + junkAfter
                framed.withUnsafeBytes { all in
                    decoder.feed(UnsafeRawBufferPointer(rebasing: all[junkBefore.count..<(all.count - junkAfter.count)]))
                }
                offset = end
                do throws(Decoder.Failure) {
                    while let message = try decoder.next() { messages.append(message) }
                } catch {
                    return (messages, error)
                }
            }
            return (messages, nil)
        }

        func compare(_ produced: [Decoder.Message], _ expected: [Decoder.Message], _ mode: String) {
            guard produced != expected else { return }
            if produced.count != expected.count {
                record("\(mode): \(produced.count) messages, expected \(expected.count)")
            } else if let index = produced.indices.first(where: { produced[$0] != expected[$0] }) {
                record("\(mode): message \(index) is \(produced[index]), expected \(expected[index])")
            }
        }

        func expectEmpty(_ decoder: Decoder, _ mode: String) {
            #expect(decoder.bufferedByteCount == 0, "\(mode): bytes left over", sourceLocation: sourceLocation)
        }

        func record(_ comment: String) {
            Issue.record(Comment(rawValue: comment), sourceLocation: sourceLocation)
        }
    }
}

/// Bytes around every piece fed: a decoder that reads outside what it was given sees these.
private let junkBefore = Array("BEFORE".utf8)
private let junkAfter = Array("AFTER".utf8)
