import Logging
import NaveCore
import NaveHTTP
import NaveIO
import NaveLimits

/// Answers HTTP requests: the REST service API, the device HTTP API. Called once per request,
/// in order per connection; may suspend (registry writes wait for the disk).
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPResponse
    /// The answer to bytes that are not an acceptable request; the connection closes after it.
    func refusal(for error: HTTPDecodeError) -> HTTPResponse
    /// Whether this request's body is streamed (`beginStream`) rather than collected, and its
    /// limit if so. Nil (the default): collected within `requestBodyBytesMax`.
    func streamedBodyBytesMax(for head: HTTPRequestHead) -> Int?
    /// A streamed request's head has arrived: where its body goes, or a refusal.
    func beginStream(_ head: HTTPRequestHead, from peer: HTTPPeer) -> HTTPBodyStreamStart
    /// The answer, possibly with a streamed body. Defaults to `respond`.
    func reply(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPReply
    /// The `route` label under which the request is counted in `nave_rest_requests_total`
    /// (a word per kind of resource, never an id); nil (the default): not counted.
    func metricRoute(for head: HTTPRequestHead) -> String?
}

extension HTTPResponder {
    public func streamedBodyBytesMax(for head: HTTPRequestHead) -> Int? { nil }
    public func metricRoute(for head: HTTPRequestHead) -> String? { nil }
    public func beginStream(_ head: HTTPRequestHead, from peer: HTTPPeer) -> HTTPBodyStreamStart {
        .refuse(HTTPResponse(status: 501))
    }
    public func reply(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPReply {
        HTTPReply(await respond(to: request, from: peer))
    }
}

/// What the transport knows about the requester. One value per connection: every request of
/// a keep-alive connection comes with the same peer.
public struct HTTPPeer: Sendable {
    /// The client certificate (DER) from the TLS handshake, if one was presented.
    public var certificateDER: [UInt8]?
    public var address: String?
    /// The service token this connection last proved (`ServiceAuthorizer`): shared by the
    /// connection's requests, never by two connections.
    public let serviceTokens: ServiceTokenCache

    public init(certificateDER: [UInt8]? = nil, address: String? = nil, serviceTokens: ServiceTokenCache = ServiceTokenCache()) {
        self.certificateDER = certificateDER
        self.address = address
        self.serviceTokens = serviceTokens
    }
}

/// Limits of one HTTP connection, with their units.
public struct HTTPConnectionLimits: Sendable, Equatable {
    /// Longest a request may take to arrive once its first byte did (slow-request defence).
    public var requestTimeoutMillis = 10_000
    /// Longest a keep-alive connection may sit idle between requests.
    public var idleTimeoutMillis = 60_000
    public var requestBodyBytesMax = 1 << 20
    public var headerBytesMax = HTTPRequestDecoder.defaultHeaderBytesMax

    public init() {}

    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        try rules.require((100...600_000).contains(requestTimeoutMillis), "https.requestTimeoutMillis must be 100...600000")
        try rules.require((100...3_600_000).contains(idleTimeoutMillis), "https.idleTimeoutMillis must be 100...3600000")
        try rules.require((1_024...(64 << 20)).contains(requestBodyBytesMax), "https.requestBodyBytesMax must be 1 KiB...64 MiB")
        try rules.require((1_024...(1 << 20)).contains(headerBytesMax), "https.headerBytesMax must be 1 KiB...1 MiB")
    }
}

/// The factory a listener uses: every accepted connection gets an `HTTPConnectionHandler`
/// answering through `responder`.
public struct HTTPService: Sendable {
    public let responder: any HTTPResponder
    public let limits: HTTPConnectionLimits
    public let logger: Logger
    /// WebSocket endpoints: path → subprotocol and the byte-stream handler the connection
    /// continues with (`/$iothub/websocket` → "mqtt" → the MQTT handler, contract §1.1).
    public let webSockets: [String: WebSocketEndpoint]

    public init(responder: any HTTPResponder, limits: HTTPConnectionLimits, logger: Logger,
                webSockets: [String: WebSocketEndpoint] = [:]) {
        self.responder = responder
        self.limits = limits
        self.logger = logger
        self.webSockets = webSockets
    }

    /// Call on the connection's loop, at accept (as a listener's factory is called).
    public func makeHandler(for connection: Connection) -> any ConnectionHandler {
        HTTPConnectionHandler(service: self, connection: connection)
    }
}

/// A path served as a WebSocket carrying a byte stream.
public struct WebSocketEndpoint: Sendable {
    public var subprotocol: String
    /// Largest WebSocket frame accepted (bytes).
    public var frameBytesMax: Int
    public var makeHandler: @Sendable (Connection) -> any ConnectionHandler

    public init(subprotocol: String, frameBytesMax: Int, makeHandler: @escaping @Sendable (Connection) -> any ConnectionHandler) {
        self.subprotocol = subprotocol
        self.frameBytesMax = frameBytesMax
        self.makeHandler = makeHandler
    }
}
