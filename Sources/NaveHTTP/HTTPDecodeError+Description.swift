extension HTTPDecodeError: CustomStringConvertible {
    /// The RFC clause the request broke.
    public var specClause: String {
        switch self {
        case .requestLineTooLong: "RFC 9112 §3"
        case .invalidLineEnding: "RFC 9112 §2.2"
        case .invalidMethod: "RFC 9112 §3.1"
        case .invalidRequestLine: "RFC 9112 §3"
        case .invalidRequestTarget: "RFC 9112 §3.2"
        case .invalidVersion: "RFC 9112 §2.3"
        case .unsupportedVersion: "RFC 9110 §15.6.6"
        case .headerSectionTooLarge, .tooManyHeaders: "RFC 6585 §5"
        case .invalidHeaderName, .missingColon: "RFC 9112 §5"
        case .whitespaceBeforeColon: "RFC 9112 §5.1"
        case .invalidHeaderValue: "RFC 9110 §5.5"
        case .obsoleteLineFolding: "RFC 9112 §5.2"
        case .missingHost, .duplicateHost, .invalidHost: "RFC 9112 §3.2"
        case .invalidContentLength: "RFC 9112 §6.3"
        case .contentLengthWithTransferEncoding, .transferEncodingInHTTP10, .unknownTransferCoding: "RFC 9112 §6.1"
        case .invalidTransferEncoding: "RFC 9112 §6.3"
        case .bodyTooLarge: "RFC 9110 §15.5.14"
        case .invalidChunkLine, .missingChunkDataTerminator: "RFC 9112 §7.1"
        case .trailerSectionTooLarge: "RFC 9112 §7.1.2"
        }
    }

    /// A log line: the rule and any limit, never request contents.
    public var reason: String {
        switch self {
        case .requestLineTooLong(let max): "request line longer than \(max) bytes"
        case .invalidLineEnding: "line not ended by CRLF"
        case .invalidMethod: "method is not a token"
        case .invalidRequestLine: "request line is not method SP target SP version"
        case .invalidRequestTarget: "request target is neither origin-form nor absolute-form"
        case .invalidVersion: "malformed HTTP version"
        case .unsupportedVersion(let major, let minor): "HTTP/\(major).\(minor) not supported"
        case .headerSectionTooLarge(let max): "header section larger than \(max) bytes"
        case .tooManyHeaders(let max): "more than \(max) header fields"
        case .invalidHeaderName: "field name is not a token"
        case .whitespaceBeforeColon: "whitespace between field name and colon"
        case .missingColon: "field line without a colon"
        case .invalidHeaderValue: "control character in a field value"
        case .obsoleteLineFolding: "obsolete line folding"
        case .missingHost: "HTTP/1.1 request without Host"
        case .duplicateHost: "more than one Host field"
        case .invalidHost: "malformed Host value"
        case .invalidContentLength: "Content-Length not digits or values disagree"
        case .contentLengthWithTransferEncoding: "both Transfer-Encoding and Content-Length"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .invalidTransferEncoding: "Transfer-Encoding list malformed or chunked not once and last"
        case .unknownTransferCoding: "transfer coding other than chunked"
        case .bodyTooLarge(let max): "body larger than \(max) bytes"
        case .invalidChunkLine: "malformed or overlong chunk-size line"
        case .missingChunkDataTerminator: "chunk data not followed by CRLF"
        case .trailerSectionTooLarge(let max): "trailer section larger than \(max) bytes"
        }
    }

    public var description: String { "\(status) \(reason) (\(specClause))" }
}
