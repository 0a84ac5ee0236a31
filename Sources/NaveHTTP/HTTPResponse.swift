/// A response to encode: status, caller's header fields and a body framed by Content-Length.
/// For a body streamed in chunks, use `encodeHead(framing: .chunked)` and `encodeChunk`.
///
/// The encoder adds the framing fields itself (Content-Length or Transfer-Encoding,
/// `Connection: close` when the connection will not be kept) and `Date` from the value the
/// caller passes, since this module has no clock (RFC 9110 §6.6.1 IMF-fixdate, e.g.
/// "Sun, 06 Nov 1994 08:49:37 GMT").
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Appends the whole response to `buffer`. A 1xx, 204 or 304 response carries neither
    /// Content-Length nor body (RFC 9110 §8.6, §15.3.5, §15.4.5); for the others the body is
    /// framed by Content-Length. To answer HEAD, use `encodeHead(framing: .none)` with the
    /// Content-Length field GET would have carried.
    public func encode(date: String?, keepAlive: Bool = true, into buffer: inout [UInt8]) {
        let bodyless = Self.forbidsBody(status)
        precondition(!bodyless || body.isEmpty, "status \(status) must not carry a body")
        Self.encodeHead(
            status: status, headers: headers, framing: bodyless ? .none : .contentLength(body.count),
            date: date, keepAlive: keepAlive, into: &buffer
        )
        buffer.append(contentsOf: body)
    }

    /// Whether a response with `status` never has content (RFC 9110 §6.4.1).
    public static func forbidsBody(_ status: Int) -> Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }
}

/// How a response body is delimited (RFC 9112 §6).
public enum HTTPBodyFraming: Sendable, Hashable {
    /// `Content-Length: n`, then exactly n bytes.
    case contentLength(Int)
    /// `Transfer-Encoding: chunked`, then `encodeChunk` calls and one `encodeLastChunk`.
    case chunked
    /// No framing field: 1xx (101 for a WebSocket upgrade), 204, 304, or a reply to HEAD whose
    /// caller supplied Content-Length itself.
    case none
}

extension HTTPResponse {
    /// Appends a status line and header section to `buffer`.
    ///
    /// - Precondition: `status` is 100...999; header names are tokens and values hold no
    ///   control character (so no CR or LF: a caller's value cannot split the response,
    ///   RFC 9112 §11.1); `headers` leaves Content-Length and Transfer-Encoding to the encoder
    ///   unless `framing` is `.none`, and Date to `date` when one is given.
    public static func encodeHead(
        status: Int,
        headers: HTTPHeaders,
        framing: HTTPBodyFraming,
        date: String?,
        keepAlive: Bool = true,
        into buffer: inout [UInt8]
    ) {
        precondition((100...999).contains(status), "HTTP status \(status) is not three digits")
        append("HTTP/1.1 \(status) \(HTTPStatus.reasonPhrase(status))\r\n", to: &buffer)
        if let date { appendField("Date", date, to: &buffer) }
        for field in headers {
            let lowered = field.name.lowercased()
            precondition(framing == .none || (lowered != "content-length" && lowered != "transfer-encoding"), "the encoder frames the body")
            precondition(date == nil || lowered != "date", "Date given twice")
            appendField(field.name, field.value, to: &buffer)
        }
        switch framing {
        case .contentLength(let count):
            precondition(count >= 0, "negative Content-Length")
            appendField("Content-Length", String(count), to: &buffer)
        case .chunked:
            appendField("Transfer-Encoding", "chunked", to: &buffer)
        case .none:
            break
        }
        if !keepAlive { appendField("Connection", "close", to: &buffer) }
        append("\r\n", to: &buffer)
    }

    /// Appends one chunk: size in hex, CRLF, data, CRLF (RFC 9112 §7.1). An empty `bytes`
    /// writes nothing, since a zero-size chunk would end the body.
    public static func encodeChunk(_ bytes: some Collection<UInt8>, into buffer: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        append(String(bytes.count, radix: 16, uppercase: true) + "\r\n", to: &buffer)
        buffer.append(contentsOf: bytes)
        append("\r\n", to: &buffer)
    }

    /// Appends the last chunk and an empty trailer section, ending a chunked body.
    public static func encodeLastChunk(into buffer: inout [UInt8]) {
        append("0\r\n\r\n", to: &buffer)
    }

    private static func appendField(_ name: String, _ value: String, to buffer: inout [UInt8]) {
        precondition(!name.isEmpty && name.utf8.allSatisfy { HTTPSyntax.isTokenByte[Int($0)] }, "header name is not a token")
        precondition(value.utf8.allSatisfy { HTTPSyntax.isFieldValueByte[Int($0)] }, "header value holds a control character")
        append(name, to: &buffer)
        append(": ", to: &buffer)
        append(value, to: &buffer)
        append("\r\n", to: &buffer)
    }

    private static func append(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: text.utf8)
    }
}
