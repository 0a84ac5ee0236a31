/// Reason phrases for the status line (RFC 9112 §4), as the IANA HTTP Status Code Registry
/// spells them.
///
/// RFC 9112 §4 lets the phrase be empty and tells clients to ignore it, but the Azure SDKs do
/// not: `HTTP/1.1 504 \r\n` makes them report "invalid status code ''" (issue #11). So every
/// registered code has its phrase here, not only the ones the hub sends today, and any other
/// code gets "Unknown" — the line never ends in an empty phrase.
public enum HTTPStatus {
    /// Said for a code the registry does not list (299, 418, 600…). RFC 9110 §15 has a client
    /// treat such a code as the x00 of its class; the phrase only has to be there.
    public static let unknownReasonPhrase = "Unknown"

    /// The registered reason phrase for `status`, or `unknownReasonPhrase`; never empty.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100..<200: informational(status)
        case 200..<300: successful(status)
        case 300..<400: redirection(status)
        case 400..<500: clientError(status)
        case 500..<600: serverError(status)
        default: unknownReasonPhrase
        }
    }

    /// RFC 9110 §15.2; 102 RFC 4918 §11.1 (WebDAV, since obsoleted); 103 RFC 8297.
    private static func informational(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 102: "Processing"
        case 103: "Early Hints"
        default: unknownReasonPhrase
        }
    }

    /// RFC 9110 §15.3; 207 RFC 4918, 208 RFC 5842, 226 RFC 3229.
    private static func successful(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non-Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 207: "Multi-Status"
        case 208: "Already Reported"
        case 226: "IM Used"
        default: unknownReasonPhrase
        }
    }

    /// RFC 9110 §15.4 (306 is reserved, unused).
    private static func redirection(_ status: Int) -> String {
        switch status {
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 305: "Use Proxy"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        default: unknownReasonPhrase
        }
    }

    /// RFC 9110 §15.5 (418 is reserved, unused); 423, 424 RFC 4918; 425 RFC 8470; 428, 429,
    /// 431 RFC 6585 §3–5; 451 RFC 7725.
    private static func clientError(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 423: "Locked"
        case 424: "Failed Dependency"
        case 425: "Too Early"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 451: "Unavailable For Legal Reasons"
        default: unknownReasonPhrase
        }
    }

    /// RFC 9110 §15.6; 506 RFC 2295; 507, 508 RFC 4918 and RFC 5842; 510 RFC 2774 (obsoleted,
    /// still registered); 511 RFC 6585 §6.
    private static func serverError(_ status: Int) -> String {
        switch status {
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        case 506: "Variant Also Negotiates"
        case 507: "Insufficient Storage"
        case 508: "Loop Detected"
        case 510: "Not Extended"
        case 511: "Network Authentication Required"
        default: unknownReasonPhrase
        }
    }
}
