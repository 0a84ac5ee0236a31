import NaveCodecTestSupport
import NaveHTTP
import Testing

/// A request as the streamed parts rebuild it: the head, the body parts joined, the trailers.
/// Parts depend on how bytes arrive; what they add up to must not.
struct StreamedRequest: Equatable {
    var head: HTTPRequestHead
    var body: [UInt8]
    var trailers: HTTPHeaders
    /// Whole (collected) or streamed.
    var streamed: Bool
}

/// `HTTPRequestDecoder.nextPart` streaming bodies of requests whose path starts with `/blob`
/// (up to `streamedBytesMax`), collecting the others: the verifier then checks the streamed
/// path under every delivery. `largestPart` records the biggest part handed out.
struct StreamingDecoder: ResumableDecoder {
    var decoder = HTTPRequestDecoder(bodyBytesMax: 64)
    var streamedBytesMax = 1 << 20
    var pending: StreamedRequest?
    var largestPart = 0

    var bufferedByteCount: Int { decoder.bufferedByteCount }
    mutating func feed(_ bytes: UnsafeRawBufferPointer) { decoder.feed(bytes) }

    mutating func next() throws(HTTPDecodeError) -> StreamedRequest? {
        let limit = streamedBytesMax
        while let part = try decoder.nextPart(streamingBodyBytesMax: { $0.path.hasPrefix("/blob") ? limit : nil }) {
            switch part {
            case .request(let request):
                return StreamedRequest(head: request.head, body: request.body, trailers: request.trailers, streamed: false)
            case .head(let head):
                pending = StreamedRequest(head: head, body: [], trailers: [:], streamed: true)
            case .bodyPart(let bytes):
                largestPart = max(largestPart, bytes.count)
                pending?.body += bytes
            case .end(let trailers):
                defer { pending = nil }
                pending?.trailers = trailers
                return pending
            }
        }
        return nil
    }
}

@Suite("Streamed request bodies")
struct StreamedBodyTests {
    static let body = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    static func put(_ path: String, _ body: [UInt8]) -> [UInt8] {
        ascii("PUT \(path) HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\n\r\n") + body
    }

    static func chunked(_ path: String, _ body: [UInt8]) -> [UInt8] {
        var bytes = ascii("PUT \(path) HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        bytes += ascii("64\r\n") + body[0..<100] + ascii("\r\n")
        bytes += ascii("C8;ext=1\r\n") + body[100..<300] + ascii("\r\n0\r\nX-Trailer: t\r\n\r\n")
        return bytes
    }

    static func expected(_ path: String, chunked: Bool, streamed: Bool = true, body: [UInt8] = body) -> StreamedRequest {
        var headers: HTTPHeaders = ["Host": "h"]
        if chunked { headers.add(name: "Transfer-Encoding", value: "chunked") } else { headers.add(name: "Content-Length", value: "\(body.count)") }
        return StreamedRequest(head: HTTPRequestHead(method: "PUT", target: path, headers: headers), body: body,
                               trailers: chunked ? ["X-Trailer": "t"] : [:], streamed: streamed)
    }

    @Test("verifier: streamed bodies (length and chunked) beside collected ones, in every delivery")
    func verifier() {
        let small = Array(Self.body.prefix(10))
        DecoderVerifier.verify([
            (Self.put("/blob/c/a", Self.body), [Self.expected("/blob/c/a", chunked: false)]),
            (Self.chunked("/blob/c/b", Self.body), [Self.expected("/blob/c/b", chunked: true)]),
            (Self.put("/blob/c/empty", []), [Self.expected("/blob/c/empty", chunked: false, body: [])]),
            (Self.put("/devices", small), [Self.expected("/devices", chunked: false, streamed: false, body: small)]),
        ], decoder: StreamingDecoder(), seed: httpVerifierSeed)
    }

    @Test("a streamed body passes the collected limit without being held: parts are at most what one feed brought")
    func partsAreBoundedByReads() throws {
        let result = StreamingDecoder().decodeAll(Self.put("/blob/c/a", Self.body), chunkSize: 16)
        #expect(try result.get() == [Self.expected("/blob/c/a", chunked: false)])
        var fed = StreamingDecoder()
        Self.put("/blob/c/a", Self.body).withUnsafeBytes { all in
            for start in stride(from: 0, to: all.count, by: 16) {
                fed.feed(UnsafeRawBufferPointer(rebasing: all[start..<min(start + 16, all.count)]))
                while (try? fed.next()) != nil {}
            }
        }
        #expect(fed.largestPart > 0 && fed.largestPart <= 16)
    }

    @Test("the streamed limit still holds, for a declared length and for chunks")
    func streamedLimit() {
        var decoder = StreamingDecoder()
        decoder.streamedBytesMax = 299
        #expect(decoder.decodeAll(Self.put("/blob/c/a", Self.body)).error == .bodyTooLarge(bodyBytesMax: 299))
        #expect(decoder.decodeAll(Self.chunked("/blob/c/a", Self.body)).error == .bodyTooLarge(bodyBytesMax: 299))
        // Other requests keep the collected limit (64 here).
        #expect(decoder.decodeAll(Self.put("/devices", Self.body)).error == .bodyTooLarge(bodyBytesMax: 64))
    }
}
