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

    @Test("fed whole: the expected error and status, no request", arguments: malformedRequests)
    func whole(_ fixture: MalformedRequest) {
        let result = decodeAll(fixture.bytes, decoder: fixture.decoder)
        #expect(result.requests.isEmpty)
        #expect(result.error == fixture.error)
        #expect(result.error?.status == fixture.status)
        #expect(result.error.map { !$0.reason.isEmpty && $0.specClause.hasPrefix("RFC") } == true)
    }

    @Test("drip-fed: nothing, then the same error", arguments: malformedRequests)
    func dripFed(_ fixture: MalformedRequest) {
        var decoder = fixture.decoder
        var thrown: HTTPDecodeError?
        for byte in fixture.bytes where thrown == nil {
            decoder.feed([byte])
            do {
                #expect(try decoder.next() == nil)
            } catch {
                thrown = error
            }
        }
        #expect(thrown == fixture.error)
    }

    @Test("after an error the decoder stays poisoned", arguments: malformedRequests.prefix(8))
    func poisoned(_ fixture: MalformedRequest) {
        var decoder = fixture.decoder
        decoder.feed(fixture.bytes)
        #expect(throws: fixture.error) { try decoder.next() }
        decoder.feed(requestFixtures[0].bytes)
        #expect(throws: fixture.error) { try decoder.next() }
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a smuggled second request behind a rejected one never comes out")
    func smuggledRequestNeverDecodes() {
        let smuggle = ascii("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n")
        let result = decodeAll(smuggle)
        #expect(result.requests.isEmpty)
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
