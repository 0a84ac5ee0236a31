import NaveCodecTestSupport
import NaveHTTP
import Testing

/// Long inputs fed in the worst way, one byte per call: a decoder that re-scans its buffer
/// from the start per byte or per line would take minutes here, not seconds. The time limit
/// is a hang guard, not a benchmark.
@Suite("Linear time", .timeLimit(.minutes(1)))
struct LinearTimeTests {
    private func dripFeed<Decoder: ResumableDecoder>(_ bytes: [UInt8], _ decoder: Decoder) throws(Decoder.Failure) -> [Decoder.Message] {
        let decoded = decoder.decodeAll(bytes, chunkSize: 1)
        #expect(decoded.bufferedByteCount == 0)
        return try decoded.get()
    }

    private let body = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    @Test("a 1 MB Content-Length body, one byte at a time")
    func largeBody() throws {
        let request = ascii("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\n\r\n") + body
        let requests = try dripFeed(request, HTTPRequestDecoder(bodyBytesMax: 1 << 21))
        #expect(requests.count == 1 && requests.first?.body == body)
    }

    @Test("a 1 MB chunked body in 4 KiB chunks, one byte at a time")
    func largeChunkedBody() throws {
        var request = ascii("POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        var offset = 0
        while offset < body.count {
            HTTPResponse.encodeChunk(body[offset..<min(body.count, offset + 4_096)], into: &request)
            offset += 4_096
        }
        HTTPResponse.encodeLastChunk(into: &request)
        let requests = try dripFeed(request, HTTPRequestDecoder(bodyBytesMax: 1 << 21))
        #expect(requests.first?.body == body)
    }

    @Test("10,000 header fields, one byte at a time")
    func manyHeaders() throws {
        var text = "GET / HTTP/1.1\r\nHost: h\r\n"
        for index in 0..<10_000 { text += "X-Field-\(index): value-\(index)\r\n" }
        text += "\r\n"
        let decoder = HTTPRequestDecoder(headerBytesMax: 1 << 20, headerCountMax: 10_001)
        let requests = try dripFeed(ascii(text), decoder)
        #expect(requests.first?.head.headers.count == 10_001)
        #expect(requests.first?.head.headers["x-field-9999"] == "value-9999")
    }

    @Test("a request line near 64 KiB, one byte at a time")
    func longRequestLine() throws {
        let target = "/" + String(repeating: "a", count: 60_000)
        let requests = try dripFeed(ascii("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n"), HTTPRequestDecoder(requestLineBytesMax: 1 << 16))
        #expect(requests.first?.head.target == target)
    }

    @Test("5,000 pipelined requests, one byte at a time")
    func pipelined() throws {
        var bytes: [UInt8] = []
        for index in 0..<5_000 { bytes += ascii("GET /r/\(index) HTTP/1.1\r\nHost: h\r\n\r\n") }
        let requests = try dripFeed(bytes, HTTPRequestDecoder())
        #expect(requests.count == 5_000 && requests.last?.head.target == "/r/4999")
    }

    @Test("a 1 MB WebSocket frame, one byte at a time")
    func largeFrame() throws {
        let bytes = clientBytes([WebSocketFrame(opcode: .binary, payload: body)])
        let frames = try dripFeed(bytes, WebSocketFrameDecoder(frameBytesMax: 1 << 21))
        #expect(frames.count == 1 && frames.first?.payload == body)
    }
}
