import Testing

extension DecoderVerifier {
    /// `input` must be refused with `error` however it arrives: fed whole, one byte at a time
    /// and in random chunks (four rounds), each mode hands out the same messages first (`before`
    /// when given, else whatever the whole feed gave) and then throws `error`. Afterwards the
    /// decoder stays poisoned: feeding `valid` (bytes it would otherwise accept) gives the same
    /// error again, and it holds no bytes.
    public static func verifyRefusal(
        _ input: [UInt8],
        error expected: Decoder.Failure,
        decoder: Decoder,
        before: [Decoder.Message]? = nil,
        thenFeeding valid: [UInt8],
        seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var random = SeededGenerator(seed: seed)
        let check = Checker(prototype: decoder, sourceLocation: sourceLocation)
        var wholeDecoder = decoder
        let whole = check.feed(input, to: &wholeDecoder) { _ in .max }
        let messagesBefore = before ?? whole.messages
        var modes: [(name: String, chunkSize: (Int) -> Int)] = [("drip-fed", { _ in 1 })]
        for round in 0..<4 { modes.append(("random chunks \(round)", { _ in randomChunkSize(&random) })) }
        check.expectRefusal(whole, expected, before: messagesBefore, "whole")
        for mode in modes {
            var modeDecoder = decoder
            check.expectRefusal(check.feed(input, to: &modeDecoder, nextChunkSize: mode.chunkSize), expected, before: messagesBefore, mode.name)
        }
        // Poisoned: nothing more comes out, the same error does, and nothing is kept.
        let after = check.feed(valid, to: &wholeDecoder) { _ in .max }
        check.expectRefusal(after, expected, before: [], "fed after the error")
        check.expectEmpty(wholeDecoder, "after the error")
    }
}

extension DecoderVerifier.Checker {
    func expectRefusal(
        _ result: (messages: [Decoder.Message], error: Decoder.Failure?),
        _ expected: Decoder.Failure,
        before: [Decoder.Message],
        _ mode: String
    ) {
        compare(result.messages, before, mode)
        guard let error = result.error else { return record("\(mode): no error, expected \(expected)") }
        if error != expected { record("\(mode): threw \(error), expected \(expected)") }
    }
}
