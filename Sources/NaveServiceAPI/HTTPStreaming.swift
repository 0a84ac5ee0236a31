import NaveHTTP

/// A response with a body that need not be in memory: the blob surface answers Get Blob with
/// the bytes read from disk as the connection drains, and HEAD with the length alone.
public struct HTTPReply: Sendable {
    public enum Body: Sendable {
        /// `response.body`, framed by its length.
        case inline
        /// `byteCount` bytes pulled from the source as the socket drains (`Content-Length`).
        case streamed(any HTTPBodySource, byteCount: Int64)
        /// No body, but `Content-Length` as GET would send it (HEAD, RFC 9110 §9.3.2).
        case omitted(contentLength: Int64)
    }

    public var response: HTTPResponse
    public var body: Body
    /// The `route` label under which the answer is counted in `nave_rest_requests_total`;
    /// nil: not counted (the console, a responder without routes).
    public var metricRoute: String?

    public init(_ response: HTTPResponse, body: Body = .inline) {
        self.response = response
        self.body = body
    }
}

/// Where a streamed response body comes from, read on the connection's loop thread (small
/// reads from the page cache).
public protocol HTTPBodySource: AnyObject, Sendable {
    /// The next bytes, at most `byteCountMax`; nil when reading failed (the connection is then
    /// aborted: the status line has gone already).
    func read(byteCountMax: Int) -> [UInt8]?
    /// The response is over (sent, or the connection closed).
    func close()
}

/// Where a streamed request body goes (a blob upload): written chunk by chunk on the
/// connection's loop thread as it arrives, finished once it is complete.
public protocol HTTPBodySink: AnyObject, Sendable {
    /// The next bytes of the body; a failure is kept and answered by `finish`.
    func write(_ bytes: UnsafeRawBufferPointer)
    /// The body is complete: make it durable and answer.
    func finish() async -> HTTPReply
    /// The connection went away first: drop what was written.
    func cancel()
}

/// A responder's answer to a streamed request's head.
public enum HTTPBodyStreamStart: Sendable {
    case accept(any HTTPBodySink)
    /// Refused before the body is read (a bad SAS, a quota): sent at once, and the body is
    /// read and dropped while the connection lingers.
    case refuse(HTTPResponse)
}
