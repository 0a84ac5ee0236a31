import NaveCodecTestSupport
import NaveHTTP
import Testing

/// Well-formed requests through every delivery the verifier knows, and the head's semantics.
@Suite("Request fixtures")
struct RequestFixtureTests {
    @Test("decodes each fixture to its request", arguments: requestFixtures)
    func decodesFixture(_ fixture: RequestFixture) {
        let result = HTTPRequestDecoder().decodeAll(fixture.bytes)
        #expect(result.error == nil)
        #expect(result.messages == [fixture.request])
    }

    @Test("verifier: whole, drip-fed with junk, pipelined, random chunks")
    func verifier() {
        DecoderVerifier.verify(requestFixtures.map { ($0.bytes, [$0.request]) }, decoder: HTTPRequestDecoder(), seed: httpVerifierSeed)
    }

    @Test("verifier: several pipelined requests in one input")
    func pipelinedInOneInput() {
        let all = requestFixtures.flatMap(\.bytes)
        DecoderVerifier.verify([(all, requestFixtures.map(\.request)), (requestFixtures[2].bytes, [requestFixtures[2].request])],
                               decoder: HTTPRequestDecoder(), seed: httpVerifierSeed)
    }

    @Test("keep-alive: 1.1 unless close, 1.0 only with keep-alive (RFC 9112 §9.3)")
    func keepAlive() {
        #expect(HTTPRequestHead(method: "GET", target: "/", version: .http1_1, headers: ["Host": "h"]).keepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", version: .http1_1, headers: ["Connection": "Close"]).keepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", version: .http1_1, headers: ["Connection": "Upgrade, close"]).keepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", version: .http1_0).keepAlive)
        #expect(HTTPRequestHead(method: "GET", target: "/", version: .http1_0, headers: ["Connection": "Keep-Alive"]).keepAlive)
        #expect(HTTPRequestHead(method: "PUT", target: "/", headers: ["Expect": "100-continue"]).expectsContinue)
    }

    @Test("bytes after an upgrade request are handed over untouched")
    func upgradeHandOver() throws {
        let upgrade = requestFixtures.first { $0.name.hasPrefix("WebSocket") }!
        var decoder = HTTPRequestDecoder()
        decoder.feed(upgrade.bytes + [0x82, 0x80, 1, 2, 3, 4])
        #expect(try decoder.next() == upgrade.request)
        #expect(decoder.takeBufferedBytes() == [0x82, 0x80, 1, 2, 3, 4])
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("an error after good requests comes after those requests")
    func errorAfterGoodRequests() {
        DecoderVerifier.verifyRefusal(
            requestFixtures[0].bytes + requestFixtures[1].bytes + ascii("GET / HTTP/2.0\r\n"),
            error: .unsupportedVersion(major: 2, minor: 0), decoder: HTTPRequestDecoder(),
            before: [requestFixtures[0].request, requestFixtures[1].request],
            thenFeeding: requestFixtures[0].bytes, seed: httpVerifierSeed
        )
    }
}
