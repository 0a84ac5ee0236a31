import NaveCodecTestSupport
import NaveHTTP
import Testing

/// The response encoder's exact bytes, and that the decoder's own grammar accepts its header
/// fields (a response head differs from a request head only in its first line).
@Suite("Response encoder")
struct ResponseEncoderTests {
    private let date = "Sun, 06 Nov 1994 08:49:37 GMT"

    @Test("200 with a body: Date, caller's fields, Content-Length, body")
    func contentLength() {
        var buffer: [UInt8] = [0xAA]  // the encoder appends after what the caller has
        HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: ascii("{}")).encode(date: date, into: &buffer)
        #expect(buffer == [0xAA] + ascii("HTTP/1.1 200 OK\r\nDate: \(date)\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"))
    }

    @Test("close when the connection ends; no Date when none is given")
    func close() {
        var buffer: [UInt8] = []
        HTTPResponse(status: 404).encode(date: nil, keepAlive: false, into: &buffer)
        #expect(buffer == ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
    }

    @Test("204 and 304 carry no Content-Length; an unlisted status says Unknown, never nothing")
    func bodyless() {
        var buffer: [UInt8] = []
        HTTPResponse(status: 204).encode(date: nil, into: &buffer)
        #expect(buffer == ascii("HTTP/1.1 204 No Content\r\n\r\n"))
        buffer = []
        HTTPResponse(status: 299).encode(date: nil, into: &buffer)
        #expect(buffer == ascii("HTTP/1.1 299 Unknown\r\nContent-Length: 0\r\n\r\n"))
    }

    @Test("chunked: head, chunks in hex sizes, empty chunk skipped, last chunk")
    func chunked() {
        var buffer: [UInt8] = []
        HTTPResponse.encodeHead(status: 200, headers: [:], framing: .chunked, date: date, into: &buffer)
        HTTPResponse.encodeChunk(ascii("hello"), into: &buffer)
        HTTPResponse.encodeChunk([UInt8](), into: &buffer)
        HTTPResponse.encodeChunk([UInt8](repeating: 0x61, count: 26), into: &buffer)
        HTTPResponse.encodeLastChunk(into: &buffer)
        let expected = "HTTP/1.1 200 OK\r\nDate: \(date)\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1A\r\n"
            + String(repeating: "a", count: 26) + "\r\n0\r\n\r\n"
        #expect(buffer == ascii(expected))
    }

    @Test("a chunked body the encoder writes is the body the decoder reads")
    func chunkedRoundTrip() throws {
        var body: [UInt8] = []
        HTTPResponse.encodeChunk(ascii("abc"), into: &body)
        HTTPResponse.encodeChunk([UInt8](repeating: 7, count: 300), into: &body)
        HTTPResponse.encodeLastChunk(into: &body)
        let request = ascii("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n") + body
        let result = HTTPRequestDecoder().decodeAll(request)
        #expect(result.error == nil)
        #expect(result.messages.first?.body == ascii("abc") + [UInt8](repeating: 7, count: 300))
    }

    @Test("every decode error's status has a reason phrase", arguments: malformedRequests)
    func errorStatuses(_ fixture: MalformedRequest) {
        #expect(!HTTPStatus.reasonPhrase(fixture.error.status).isEmpty)
    }
}
