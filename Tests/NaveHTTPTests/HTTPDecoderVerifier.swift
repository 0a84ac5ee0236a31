import NaveTestSupport
import NaveHTTP
import Testing

/// Feeds inputs to `HTTPRequestDecoder` in every way a socket might deliver them, after
/// SwiftNIO's `ByteToMessageDecoderVerifier` (and `MQTTDecoderVerifier`), and records an issue
/// whenever the requests that come out are not exactly the expected ones, in order, with
/// nothing left over.
///
/// Modes: each input whole; each input one byte at a time, every byte in its own buffer with
/// junk on both sides that the decoder must not read; all inputs concatenated (pipelined, ten
/// times, in a shuffled order) in one feed; the same stream in random-size chunks.
enum HTTPDecoderVerifier {
    typealias Pair = (input: [UInt8], expected: [HTTPRequest])

    static func verify(
        _ pairs: [Pair],
        seed: UInt64 = 0x4854_5450,
        makeDecoder: @escaping @Sendable () -> HTTPRequestDecoder = { HTTPRequestDecoder() },
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var random = SeededGenerator(seed: seed)
        let check = Checker(sourceLocation: sourceLocation, makeDecoder: makeDecoder)
        check.whole(pairs.shuffled(using: &random))
        check.dripFed(pairs.shuffled(using: &random))
        var stream: [UInt8] = []
        var expected: [HTTPRequest] = []
        for _ in 0..<10 {
            for pair in pairs.shuffled(using: &random) {
                stream += pair.input
                expected += pair.expected
            }
        }
        check.chunked(stream, expected: expected, mode: "concatenated") { _ in stream.count }
        for round in 0..<4 {
            check.chunked(stream, expected: expected, mode: "random chunks \(round)") { _ in
                Int.random(in: 0..<8, using: &random) == 0 ? Int.random(in: 1...4096, using: &random) : Int.random(in: 1...16, using: &random)
            }
        }
    }

    private struct Checker {
        let sourceLocation: SourceLocation
        let makeDecoder: () -> HTTPRequestDecoder

        func whole(_ pairs: [Pair]) {
            var decoder = makeDecoder()
            for pair in pairs {
                decoder.feed(pair.input)
                guard let requests = drain(&decoder) else { return }
                compare(requests, pair.expected, "whole")
            }
            expectEmpty(decoder, "whole")
        }

        func dripFed(_ pairs: [Pair]) {
            var decoder = makeDecoder()
            for pair in pairs {
                var produced: [HTTPRequest] = []
                for byte in pair.input {
                    let framed: [UInt8] = Array("BEFORE".utf8) + [byte] + Array("AFTER".utf8)
                    framed.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[6..<7])) }
                    guard let requests = drain(&decoder) else { return }
                    produced += requests
                }
                compare(produced, pair.expected, "drip-fed")
            }
            expectEmpty(decoder, "drip-fed")
        }

        func chunked(_ stream: [UInt8], expected: [HTTPRequest], mode: String, nextChunkSize: (Int) -> Int) {
            var decoder = makeDecoder()
            var produced: [HTTPRequest] = []
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + max(1, nextChunkSize(offset)))
                stream.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
                guard let requests = drain(&decoder) else { return }
                produced += requests
                offset = end
            }
            compare(produced, expected, mode)
            expectEmpty(decoder, mode)
        }

        /// Every request the decoder has ready; nil (after recording the issue) if it threw.
        private func drain(_ decoder: inout HTTPRequestDecoder) -> [HTTPRequest]? {
            var requests: [HTTPRequest] = []
            do {
                while let request = try decoder.next() { requests.append(request) }
            } catch {
                Issue.record("decoder threw \(error)", sourceLocation: sourceLocation)
                return nil
            }
            return requests
        }

        private func compare(_ produced: [HTTPRequest], _ expected: [HTTPRequest], _ mode: String) {
            guard produced != expected else { return }
            if produced.count != expected.count {
                Issue.record("\(mode): \(produced.count) requests, expected \(expected.count)", sourceLocation: sourceLocation)
            } else if let index = produced.indices.first(where: { produced[$0] != expected[$0] }) {
                Issue.record("\(mode): request \(index) is \(produced[index]), expected \(expected[index])", sourceLocation: sourceLocation)
            }
        }

        private func expectEmpty(_ decoder: HTTPRequestDecoder, _ mode: String) {
            #expect(decoder.bufferedByteCount == 0, "\(mode): bytes left over", sourceLocation: sourceLocation)
        }
    }
}

/// Decodes `text` fed whole; the requests, or the error thrown.
func decodeAll(_ bytes: [UInt8], decoder: HTTPRequestDecoder = HTTPRequestDecoder()) -> (requests: [HTTPRequest], error: HTTPDecodeError?) {
    var decoder = decoder
    decoder.feed(bytes)
    var requests: [HTTPRequest] = []
    do {
        while let request = try decoder.next() { requests.append(request) }
        return (requests, nil)
    } catch {
        return (requests, error)
    }
}

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
