/// The two HTTP versions a request may use (RFC 9112 §2.3); others are refused with 505.
public enum HTTPVersion: Sendable, Hashable {
    case http1_0
    case http1_1

    /// "HTTP/1.0" or "HTTP/1.1".
    public var text: String { self == .http1_0 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// A request's start line and header section, validated by `HTTPRequestDecoder`.
public struct HTTPRequestHead: Sendable, Hashable {
    /// The method token as sent; methods are case-sensitive (RFC 9110 §9.1).
    public var method: String
    /// The request target as sent, origin-form ("/a/b?c") or absolute-form
    /// ("http://host/a?c"); `path` and `query` split it.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// Whether the connection stays open after this exchange (RFC 9112 §9.3): in 1.1 unless
    /// `Connection: close`, in 1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        return version == .http1_1 || headers.containsToken("keep-alive", in: "Connection")
    }

    /// Whether the client waits for `100 Continue` before sending the body (RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        version == .http1_1 && headers["Expect"]?.lowercased() == "100-continue"
    }

    /// The raw (still percent-encoded) path: the target's path component, "/" when an
    /// absolute-form target has none (RFC 9112 §3.2.2).
    public var path: Substring { HTTPTarget.components(of: target).path }

    /// The raw query after "?", or nil if the target has none.
    public var query: Substring? { HTTPTarget.components(of: target).query }
}

/// A whole request: head, body (de-chunked) and any trailer fields.
public struct HTTPRequest: Sendable, Hashable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// Trailer fields after a chunked body (RFC 9112 §7.1.2); never merged into `head.headers`,
    /// as §6.5 of RFC 9110 forbids treating them as header fields unless declared safe.
    public var trailers: HTTPHeaders

    public init(head: HTTPRequestHead, body: [UInt8] = [], trailers: HTTPHeaders = [:]) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }
}

/// What `HTTPRequestDecoder.nextPart` hands out: a whole request, or a streamed request in
/// pieces (head, body parts, end).
public enum HTTPRequestPart: Sendable, Hashable {
    /// A request whose body was collected whole (within `bodyBytesMax`).
    case request(HTTPRequest)
    /// A streamed request's head; its body follows as `.bodyPart`s, then `.end`.
    case head(HTTPRequestHead)
    /// The next bytes of a streamed body (de-chunked).
    case bodyPart(ArraySlice<UInt8>)
    /// The streamed body is complete; trailer fields, if it was chunked.
    case end(trailers: HTTPHeaders)
}
