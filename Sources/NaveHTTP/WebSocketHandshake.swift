import NaveEncoding

/// The server side of the WebSocket opening handshake (RFC 6455 §4.2): validate the client's
/// upgrade request, pick a subprotocol, and write the 101 response.
///
/// ```swift
/// let upgrade = try WebSocketHandshake.accept(request.head, subprotocols: ["mqtt"], subprotocolRequired: true)
/// upgrade.encodeResponse(into: &output)
/// frames.feed(decoder.takeBufferedBytes())
/// ```
public enum WebSocketHandshake {
    /// The GUID appended to the key (§1.3, §4.2.2).
    public static let keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// base64(SHA-1(key + GUID)) (§4.2.2 item 5.4); the key is taken as sent, untrimmed
    /// (`HTTPHeaders` values are already without surrounding whitespace).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + keyGUID).utf8)))
    }

    /// Checks `head` is a version 13 upgrade request (§4.2.1) and chooses the first
    /// subprotocol the client offered that the server supports (§4.2.2 item 5.4: the client's
    /// list is in its order of preference; matching is exact, as tokens are case-sensitive here).
    ///
    /// - Parameter subprotocolRequired: refuse a client that offers none of `subprotocols`
    ///   (MQTT 3.1.1 §6.0: an MQTT client MUST offer "mqtt").
    public static func accept(
        _ head: HTTPRequestHead,
        subprotocols: [String] = [],
        subprotocolRequired: Bool = false
    ) throws(WebSocketHandshakeError) -> WebSocketUpgrade {
        // §4.2.1 items 1–4: a GET of HTTP/1.1 or higher (the decoder already checked Host).
        guard head.method == "GET" else { throw .notGET }
        guard head.version == .http1_1 else { throw .notHTTP11 }
        guard head.headers.containsToken("websocket", in: "Upgrade") else { throw .missingUpgrade }
        guard head.headers.containsToken("upgrade", in: "Connection") else { throw .missingConnectionUpgrade }
        // §4.2.1 item 6 and §4.4: a version other than 13 is answered 426 with the one we speak.
        guard head.headers.values("Sec-WebSocket-Version") == ["13"] else { throw .unsupportedVersion }
        // §4.2.1 item 5: one key, base64 of 16 bytes.
        let keys = head.headers.values("Sec-WebSocket-Key")
        guard keys.count == 1, let key = keys.first, Base64.decode(key)?.count == 16 else { throw .invalidKey }
        let offered = head.headers.values("Sec-WebSocket-Protocol").flatMap { HTTPSyntax.listElements($0) }
        let chosen = offered.first { subprotocols.contains(String($0)) }.map(String.init)
        if subprotocolRequired && chosen == nil { throw .noAcceptableSubprotocol }
        return WebSocketUpgrade(accept: acceptValue(forKey: key), subprotocol: chosen)
    }
}

/// An accepted handshake: the response values, ready to encode.
public struct WebSocketUpgrade: Sendable, Hashable {
    /// The Sec-WebSocket-Accept value.
    public var accept: String
    /// The subprotocol echoed in Sec-WebSocket-Protocol, if any was chosen.
    public var subprotocol: String?

    public init(accept: String, subprotocol: String?) {
        self.accept = accept
        self.subprotocol = subprotocol
    }

    /// Appends `101 Switching Protocols` with Upgrade, Connection, Sec-WebSocket-Accept and the
    /// chosen subprotocol (§4.2.2 item 5). After it, only frames flow on the connection.
    public func encodeResponse(date: String? = nil, into buffer: inout [UInt8]) {
        var headers: HTTPHeaders = ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept]
        if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
        HTTPResponse.encodeHead(status: 101, headers: headers, framing: .none, date: date, into: &buffer)
    }
}

/// Why an upgrade request is refused, with the status to answer (RFC 6455 §4.2.1, §4.2.2).
public enum WebSocketHandshakeError: Error, Sendable, Hashable {
    case notGET
    case notHTTP11
    /// No `websocket` token in Upgrade.
    case missingUpgrade
    /// No `Upgrade` token in Connection.
    case missingConnectionUpgrade
    /// Sec-WebSocket-Version missing or not 13: answered 426 with `Sec-WebSocket-Version: 13`.
    case unsupportedVersion
    /// Sec-WebSocket-Key missing, repeated, or not base64 of 16 bytes.
    case invalidKey
    /// None of the offered subprotocols is served, and one is required.
    case noAcceptableSubprotocol

    /// 405 for a method other than GET, 426 for a version we do not speak, else 400.
    public var status: Int {
        switch self {
        case .notGET: 405
        case .unsupportedVersion: 426
        default: 400
        }
    }

    /// Appends the refusal: the status, plus `Sec-WebSocket-Version: 13` for 426 (§4.4) and
    /// `Allow: GET` for 405 (RFC 9110 §15.5.6); the connection closes after it.
    public func encodeResponse(date: String? = nil, into buffer: inout [UInt8]) {
        var headers = HTTPHeaders()
        if self == .unsupportedVersion { headers.add(name: "Sec-WebSocket-Version", value: "13") }
        if self == .notGET { headers.add(name: "Allow", value: "GET") }
        HTTPResponse(status: status, headers: headers).encode(date: date, keepAlive: false, into: &buffer)
    }
}
