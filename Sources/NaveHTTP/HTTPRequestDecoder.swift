/// A resumable, strict HTTP/1.1 request decoder (RFC 9112): feed bytes as they arrive, take
/// whole requests out as they complete; pipelined requests come out one by one, in order.
///
/// ```swift
/// var decoder = HTTPRequestDecoder()
/// decoder.feed(received)
/// while let request = try decoder.next() { respond(to: request) }
/// ```
///
/// Work is linear in the bytes fed: the search for a line's end resumes where the last search
/// stopped, each complete line is parsed once, and a body (or chunk) is copied once, when all
/// of it has arrived. Consumed bytes are dropped in bulk once they are at least half the buffer,
/// so each byte is moved a bounded number of times. Every size is checked against its limit
/// while it grows, not after, so a peer cannot make the decoder buffer more than the limits.
///
/// Once `next()` throws, the decoder is poisoned: it ignores further bytes and throws the same
/// error again. Answer with `error.status` and close (RFC 9112 §9.6).
public struct HTTPRequestDecoder: Sendable {
    public static let defaultRequestLineBytesMax = 8_192
    public static let defaultHeaderBytesMax = 16_384
    public static let defaultHeaderCountMax = 100
    /// IoT Hub's largest REST payloads (bulk registry operations, file upload notifications)
    /// stay well under 1 MiB; device-to-cloud messages are capped at 256 KiB.
    public static let defaultBodyBytesMax = 1 << 20
    public static let defaultChunkLineBytesMax = 1_024
    public static let defaultTrailerBytesMax = 4_096
    public static let defaultRetainedBufferBytesMax = 4_096

    /// The longest request line, CRLF and any empty lines before it included, in bytes.
    public let requestLineBytesMax: Int
    /// The largest header section (every field line and its CRLF, the final empty line
    /// included), in bytes.
    public let headerBytesMax: Int
    /// The most header field lines in one request.
    public let headerCountMax: Int
    /// The largest body after de-chunking, in bytes.
    public let bodyBytesMax: Int
    /// The longest chunk-size line (size, extensions and CRLF), in bytes.
    public let chunkLineBytesMax: Int
    /// The largest trailer section after a chunked body, in bytes.
    public let trailerBytesMax: Int
    /// The most buffer capacity kept after the buffer drains, in bytes.
    public let retainedBufferBytesMax: Int

    var buffer: [UInt8] = []
    /// Everything before this index has been consumed.
    var readIndex = 0
    /// Where the search for the next LF resumes: every byte from `readIndex` to here is known
    /// not to be LF.
    var scanIndex = 0
    var state = State.requestLine
    var failure: HTTPDecodeError?
    /// The request being assembled.
    var head = HTTPRequestHead(method: "", target: "")
    var body: [UInt8] = []
    var trailers = HTTPHeaders()
    /// Bytes of the request line or the header / trailer section seen so far.
    var sectionBytes = 0
    /// Set while the current request's body is streamed (`nextPart`): its own limit, which
    /// replaces `bodyBytesMax` for this request only.
    var streamedBodyBytesMax: Int?
    /// Body bytes of the streamed request handed out so far (the chunked limit check).
    var streamedByteCount = 0

    enum State: Sendable {
        case requestLine
        case headers
        case body(byteCount: Int)
        case chunkLine
        case chunkData(byteCount: Int)
        case trailers
        /// A streamed body has been handed out whole; `.end` comes next.
        case streamEnd
    }

    /// The body limit for the request being decoded.
    var currentBodyBytesMax: Int { streamedBodyBytesMax ?? bodyBytesMax }

    /// Creates a decoder with the given limits.
    ///
    /// - Precondition: every limit is positive (`retainedBufferBytesMax` may be 0).
    public init(
        requestLineBytesMax: Int = defaultRequestLineBytesMax,
        headerBytesMax: Int = defaultHeaderBytesMax,
        headerCountMax: Int = defaultHeaderCountMax,
        bodyBytesMax: Int = defaultBodyBytesMax,
        chunkLineBytesMax: Int = defaultChunkLineBytesMax,
        trailerBytesMax: Int = defaultTrailerBytesMax,
        retainedBufferBytesMax: Int = defaultRetainedBufferBytesMax
    ) {
        precondition(requestLineBytesMax >= 16 && headerBytesMax >= 2 && headerCountMax >= 1, "HTTP head limits too small")
        // The cap keeps chunk-size arithmetic (size << 4 per hex digit) far from overflow.
        precondition(bodyBytesMax >= 0 && bodyBytesMax <= 1 << 48 && chunkLineBytesMax >= 3 && trailerBytesMax >= 2, "HTTP body limits too small")
        precondition(retainedBufferBytesMax >= 0, "retainedBufferBytesMax must not be negative")
        self.requestLineBytesMax = requestLineBytesMax
        self.headerBytesMax = headerBytesMax
        self.headerCountMax = headerCountMax
        self.bodyBytesMax = bodyBytesMax
        self.chunkLineBytesMax = chunkLineBytesMax
        self.trailerBytesMax = trailerBytesMax
        self.retainedBufferBytesMax = retainedBufferBytesMax
    }

    /// Bytes fed but not yet returned inside requests.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes. Call `next()` until it returns nil afterwards. Ignored once the
    /// decoder has failed.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, bytes.count > 0 else { return }
        releaseIfDrained()
        // Drop consumed bytes once they are at least half the buffer: bytes moved never exceed
        // bytes consumed, which keeps feeding linear overall.
        if readIndex > 0 && readIndex >= buffer.count - readIndex {
            buffer.removeSubrange(0..<readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes; see `feed(_:)` on raw buffers.
    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Hands over every byte not yet decoded, e.g. WebSocket frames that followed an upgrade
    /// request in the same read (RFC 6455 §4.1), and empties the buffer.
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = Array(buffer[readIndex...])
        buffer.removeAll(keepingCapacity: false)
        readIndex = 0
        scanIndex = 0
        return rest
    }

    /// The next complete request, or nil if more bytes are needed.
    ///
    /// - Throws: the first `HTTPDecodeError` met, and the same one on every later call.
    public mutating func next() throws(HTTPDecodeError) -> HTTPRequest? {
        guard case .request(let request)? = try nextPart(streamingBodyBytesMax: { _ in nil }) else { return nil }
        return request
    }

    /// The next part of the input, or nil if more bytes are needed. When a request's header
    /// section is complete, `streamingBodyBytesMax` is asked about it: nil collects the body
    /// as `next()` does (`.request`, within `bodyBytesMax`); a limit streams it instead —
    /// `.head`, then `.bodyPart`s as bytes arrive (de-chunked, each a view of the decoder's
    /// buffer valid until the next `feed`), then `.end` — so a large upload (a blob) is never
    /// held whole while the rest of the API keeps its small limit.
    ///
    /// - Throws: the first `HTTPDecodeError` met, and the same one on every later call.
    public mutating func nextPart(streamingBodyBytesMax: (HTTPRequestHead) -> Int?) throws(HTTPDecodeError) -> HTTPRequestPart? {
        if let failure { throw failure }
        do {
            return try step(streamingBodyBytesMax)
        } catch {
            failure = error
            buffer = []
            readIndex = 0
            scanIndex = 0
            throw error
        }
    }

    /// Runs the state machine until a request completes or the buffered bytes run out.
    private mutating func step(_ streamingBodyBytesMax: (HTTPRequestHead) -> Int?) throws(HTTPDecodeError) -> HTTPRequestPart? {
        while true {
            switch state {
            case .requestLine:
                let limit = requestLineBytesMax - sectionBytes
                guard let line = try nextLine(byteCountMax: limit, orThrow: .requestLineTooLong(requestLineBytesMax: requestLineBytesMax)) else { return nil }
                if line.isEmpty {
                    // RFC 9112 §2.2: SHOULD ignore empty lines before the request line; they
                    // count towards its limit so an endless stream of them is still bounded.
                    sectionBytes += 2
                    continue
                }
                head = try Self.parseRequestLine(buffer[line])
                sectionBytes = 0
                state = .headers
            case .headers:
                let error = HTTPDecodeError.headerSectionTooLarge(headerBytesMax: headerBytesMax)
                guard let line = try nextLine(byteCountMax: headerBytesMax - sectionBytes, orThrow: error) else { return nil }
                sectionBytes += line.count + 2
                if line.isEmpty {
                    streamedBodyBytesMax = streamingBodyBytesMax(head)
                    state = try framing()
                    sectionBytes = 0
                    if streamedBodyBytesMax != nil {
                        if case .body(0) = state { state = .streamEnd }
                        return .head(head)
                    }
                    if case .body(0) = state { return .request(complete()) }
                    continue
                }
                guard head.headers.count < headerCountMax else { throw .tooManyHeaders(headerCountMax: headerCountMax) }
                let field = try Self.parseFieldLine(buffer[line])
                head.headers.add(name: field.name, value: field.value)
            case .body(let byteCount):
                if streamedBodyBytesMax != nil {
                    let count = min(bufferedByteCount, byteCount)
                    guard count > 0 else { return nil }
                    state = count == byteCount ? .streamEnd : .body(byteCount: byteCount - count)
                    return .bodyPart(streamPart(count))
                }
                guard bufferedByteCount >= byteCount else { return nil }
                body = Array(buffer[readIndex..<readIndex + byteCount])
                advance(to: readIndex + byteCount)
                return .request(complete())
            case .chunkLine:
                guard let line = try nextLine(byteCountMax: chunkLineBytesMax, orThrow: .invalidChunkLine) else { return nil }
                let size = try chunkSize(buffer[line])
                state = size == 0 ? .trailers : .chunkData(byteCount: size)
            case .chunkData(let byteCount) where streamedBodyBytesMax != nil && byteCount > 0:
                let count = min(bufferedByteCount, byteCount)
                guard count > 0 else { return nil }
                state = .chunkData(byteCount: byteCount - count)
                return .bodyPart(streamPart(count))
            case .chunkData(let byteCount):
                // The data, then its CRLF (RFC 9112 §7.1). A streamed chunk's data has been
                // handed out already (byteCount 0 left), so only the CRLF is checked here.
                guard bufferedByteCount >= byteCount + 2 else {
                    if bufferedByteCount > byteCount, buffer[readIndex + byteCount] != 0x0D { throw .missingChunkDataTerminator }
                    return nil
                }
                guard buffer[readIndex + byteCount] == 0x0D, buffer[readIndex + byteCount + 1] == 0x0A else {
                    throw .missingChunkDataTerminator
                }
                body.append(contentsOf: buffer[readIndex..<readIndex + byteCount])
                advance(to: readIndex + byteCount + 2)
                state = .chunkLine
            case .trailers:
                let error = HTTPDecodeError.trailerSectionTooLarge(trailerBytesMax: trailerBytesMax)
                guard let line = try nextLine(byteCountMax: trailerBytesMax - sectionBytes, orThrow: error) else { return nil }
                sectionBytes += line.count + 2
                if line.isEmpty {
                    if streamedBodyBytesMax != nil {
                        state = .streamEnd
                        continue
                    }
                    return .request(complete())
                }
                let field = try Self.parseFieldLine(buffer[line])
                trailers.add(name: field.name, value: field.value)
            case .streamEnd:
                let trailers = complete().trailers
                return .end(trailers: trailers)
            }
        }
    }

    /// Hands out the next `count` buffered bytes of a streamed body.
    private mutating func streamPart(_ count: Int) -> ArraySlice<UInt8> {
        let part = buffer[readIndex..<readIndex + count]
        advance(to: readIndex + count)
        streamedByteCount += count
        return part
    }

    /// The next line without its CRLF, consumed; nil if its end has not arrived.
    ///
    /// - Throws: `tooLong` once the line with its CRLF must exceed `byteCountMax` bytes, and
    ///   `invalidLineEnding` for an LF not preceded by CR.
    private mutating func nextLine(byteCountMax: Int, orThrow tooLong: HTTPDecodeError) throws(HTTPDecodeError) -> Range<Int>? {
        guard let lineFeed = buffer[scanIndex...].firstIndex(of: 0x0A) else {
            scanIndex = buffer.count
            // Even a CRLF arriving next could not bring the line within the limit.
            if buffer.count - readIndex + 1 > byteCountMax { throw tooLong }
            return nil
        }
        if lineFeed + 1 - readIndex > byteCountMax { throw tooLong }
        guard lineFeed > readIndex, buffer[lineFeed - 1] == 0x0D else { throw .invalidLineEnding }
        let line = readIndex..<(lineFeed - 1)
        advance(to: lineFeed + 1)
        return line
    }

    /// Consumes everything before `index`. The buffer itself is left alone: a line range just
    /// returned still points into it (`releaseIfDrained` runs once nothing does).
    private mutating func advance(to index: Int) {
        readIndex = index
        scanIndex = index
    }

    /// Starts an emptied buffer over at index 0, giving back capacity above
    /// `retainedBufferBytesMax` so one large request does not pin its memory.
    private mutating func releaseIfDrained() {
        guard readIndex > 0, readIndex == buffer.count else { return }
        buffer.removeAll(keepingCapacity: buffer.capacity <= retainedBufferBytesMax)
        readIndex = 0
        scanIndex = 0
    }

    /// Hands out the assembled request and starts over for the next one (pipelining).
    private mutating func complete() -> HTTPRequest {
        let request = HTTPRequest(head: head, body: body, trailers: trailers)
        releaseIfDrained()
        head = HTTPRequestHead(method: "", target: "")
        body = []
        trailers = HTTPHeaders()
        sectionBytes = 0
        streamedBodyBytesMax = nil
        streamedByteCount = 0
        state = .requestLine
        return request
    }
}
