import NaveCodecTestSupport
import NaveHTTP
import Testing

/// Every rule the request decoder enforces, broken at least once (RFC 9112).
@Suite("Malformed requests")
struct MalformedRequestTests {
    @Test("the table has at least 25 cases and covers every error case")
    func tableCoverage() {
        #expect(malformedRequests.count >= 25)
        let names = Set(malformedRequests.map { caseName($0.error) })
        let everyCase: Set<String> = [
            "requestLineTooLong", "invalidLineEnding", "invalidMethod", "invalidRequestLine", "invalidRequestTarget",
            "invalidVersion", "unsupportedVersion", "headerSectionTooLarge", "tooManyHeaders", "invalidHeaderName",
            "whitespaceBeforeColon", "missingColon", "invalidHeaderValue", "obsoleteLineFolding", "missingHost",
            "duplicateHost", "invalidHost", "invalidContentLength", "contentLengthWithTransferEncoding",
            "transferEncodingInHTTP10", "invalidTransferEncoding", "unknownTransferCoding", "bodyTooLarge",
            "invalidChunkLine", "missingChunkDataTerminator", "trailerSectionTooLarge",
        ]
        #expect(everyCase.subtracting(names).isEmpty, "untested: \(everyCase.subtracting(names))")
    }

    @Test("fed whole, drip-fed with junk and in random chunks: no request, the same error; poisoned after",
          arguments: malformedRequests)
    func refused(_ fixture: MalformedRequest) {
        DecoderVerifier.verifyRefusal(fixture.bytes, error: fixture.error, decoder: fixture.decoder, before: [],
                                      thenFeeding: requestFixtures[0].bytes, seed: httpVerifierSeed)
        #expect(fixture.error.status == fixture.status)
        #expect(!fixture.error.reason.isEmpty && fixture.error.specClause.hasPrefix("RFC"))
    }

    @Test("a smuggled second request behind a rejected one never comes out")
    func smuggledRequestNeverDecodes() {
        let smuggle = ascii("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n")
        let result = HTTPRequestDecoder().decodeAll(smuggle)
        #expect(result.messages.isEmpty)
        #expect(result.error == .contentLengthWithTransferEncoding)
    }

    /// Exhaustive, so a new error case fails to compile here until the table tests it.
    private func caseName(_ error: HTTPDecodeError) -> String {
        switch error {
        case .requestLineTooLong: "requestLineTooLong"
        case .invalidLineEnding: "invalidLineEnding"
        case .invalidMethod: "invalidMethod"
        case .invalidRequestLine: "invalidRequestLine"
        case .invalidRequestTarget: "invalidRequestTarget"
        case .invalidVersion: "invalidVersion"
        case .unsupportedVersion: "unsupportedVersion"
        case .headerSectionTooLarge: "headerSectionTooLarge"
        case .tooManyHeaders: "tooManyHeaders"
        case .invalidHeaderName: "invalidHeaderName"
        case .whitespaceBeforeColon: "whitespaceBeforeColon"
        case .missingColon: "missingColon"
        case .invalidHeaderValue: "invalidHeaderValue"
        case .obsoleteLineFolding: "obsoleteLineFolding"
        case .missingHost: "missingHost"
        case .duplicateHost: "duplicateHost"
        case .invalidHost: "invalidHost"
        case .invalidContentLength: "invalidContentLength"
        case .contentLengthWithTransferEncoding: "contentLengthWithTransferEncoding"
        case .transferEncodingInHTTP10: "transferEncodingInHTTP10"
        case .invalidTransferEncoding: "invalidTransferEncoding"
        case .unknownTransferCoding: "unknownTransferCoding"
        case .bodyTooLarge: "bodyTooLarge"
        case .invalidChunkLine: "invalidChunkLine"
        case .missingChunkDataTerminator: "missingChunkDataTerminator"
        case .trailerSectionTooLarge: "trailerSectionTooLarge"
        }
    }
}
