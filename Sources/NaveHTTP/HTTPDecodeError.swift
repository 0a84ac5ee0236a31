/// Why bytes are not an acceptable HTTP/1.1 request (RFC 9112), and the status to answer with.
///
/// Every case names the rule that was broken; `status` is the response the server sends before
/// closing the connection, `reason` a log line (sizes and rule names only, never header values
/// or bodies), and `specClause` the RFC clause. After any of these the connection's framing is
/// lost or untrusted: answer, then close (RFC 9112 §9.6).
public enum HTTPDecodeError: Error, Sendable, Hashable {
    /// The request line is longer than `requestLineBytesMax` (RFC 9112 §3: 414 for a target
    /// longer than the server will parse; the line is mostly target).
    case requestLineTooLong(requestLineBytesMax: Int)
    /// A line ends in a bare LF or a CR not followed by LF (RFC 9112 §2.2: a bare CR is invalid;
    /// we do not take the MAY that lets a lone LF end a line, so both parsers of a proxy chain agree).
    case invalidLineEnding
    /// The method is not a token (RFC 9112 §3.1, RFC 9110 §9.1).
    case invalidMethod
    /// The request line is not exactly `method SP target SP version` (RFC 9112 §3).
    case invalidRequestLine
    /// The target is neither origin-form nor absolute-form, or holds a character outside
    /// RFC 3986's set (RFC 9112 §3.2).
    case invalidRequestTarget
    /// The version is not `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3).
    case invalidVersion
    /// A well-formed version other than 1.0 or 1.1 (RFC 9110 §15.6.6).
    case unsupportedVersion(major: UInt8, minor: UInt8)
    /// The header section is larger than `headerBytesMax` (RFC 6585 §5).
    case headerSectionTooLarge(headerBytesMax: Int)
    /// More header field lines than `headerCountMax` (RFC 6585 §5).
    case tooManyHeaders(headerCountMax: Int)
    /// A field name is empty or not a token (RFC 9112 §5, RFC 9110 §5.1).
    case invalidHeaderName
    /// Whitespace between a field name and its colon (RFC 9112 §5.1: MUST reject with 400).
    case whitespaceBeforeColon
    /// A field line without a colon (RFC 9112 §5).
    case missingColon
    /// A field value holds a control character (RFC 9110 §5.5).
    case invalidHeaderValue
    /// A line starting with whitespace: obsolete line folding, or whitespace between the request
    /// line and the first field (RFC 9112 §5.2, §2.2).
    case obsoleteLineFolding
    /// An HTTP/1.1 request without Host (RFC 9112 §3.2: MUST answer 400).
    case missingHost
    /// More than one Host field line (RFC 9112 §3.2).
    case duplicateHost
    /// A Host value that is not `uri-host [":" port]` (RFC 9112 §3.2, RFC 3986 §3.2.2).
    case invalidHost
    /// Content-Length is not digits, or its values disagree (RFC 9112 §6.3 item 5).
    case invalidContentLength
    /// Both Transfer-Encoding and Content-Length: a request-smuggling vector (RFC 9112 §6.1,
    /// §11.2); rejected rather than letting one silently win.
    case contentLengthWithTransferEncoding
    /// Transfer-Encoding in an HTTP/1.0 request, which 1.0 intermediaries would ignore
    /// (RFC 9112 §6.1: treat the framing as faulty).
    case transferEncodingInHTTP10
    /// A Transfer-Encoding list that is empty, malformed, or applies chunked more than once or
    /// not last (RFC 9112 §6.3 item 4, §7.1).
    case invalidTransferEncoding
    /// A transfer coding other than chunked (RFC 9112 §6.1: SHOULD answer 501).
    case unknownTransferCoding
    /// The body, announced or received, is larger than `bodyBytesMax` (RFC 9110 §15.5.14).
    case bodyTooLarge(bodyBytesMax: Int)
    /// A chunk-size line that is not `1*HEXDIG [chunk-ext] CRLF`, or longer than
    /// `chunkLineBytesMax` (RFC 9112 §7.1, §7.1.1).
    case invalidChunkLine
    /// Chunk data not followed by CRLF (RFC 9112 §7.1).
    case missingChunkDataTerminator
    /// The trailer section is larger than `trailerBytesMax` (RFC 9112 §7.1.2).
    case trailerSectionTooLarge(trailerBytesMax: Int)

    /// The status code to answer with before closing.
    public var status: Int {
        switch self {
        case .requestLineTooLong: 414
        case .unsupportedVersion: 505
        case .headerSectionTooLarge, .tooManyHeaders, .trailerSectionTooLarge: 431
        case .bodyTooLarge: 413
        case .unknownTransferCoding: 501
        default: 400
        }
    }
}
