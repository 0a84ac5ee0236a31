import NaveHTTP
import Testing

/// Every status line the node writes carries a reason phrase. RFC 9112 §4 lets the phrase be
/// empty, but the Azure SDKs read `HTTP/1.1 504 \r\n` as "invalid status code ''" (issue #11),
/// so an empty one is a bug here even though it is valid HTTP.
@Suite("Reason phrases")
struct ReasonPhraseTests {
    /// The status line `HTTPResponse` encodes for `status`, without its CRLF.
    static func statusLine(_ status: Int) -> String {
        var buffer: [UInt8] = []
        HTTPResponse.encodeHead(status: status, headers: [:], framing: .none, date: nil, into: &buffer)
        let end = buffer.firstIndex(of: 0x0D) ?? buffer.endIndex
        return String(decoding: buffer[..<end], as: UTF8.self)
    }

    /// The phrase after "HTTP/1.1 nnn ", or nil when the line is not shaped so.
    static func phrase(_ status: Int) -> Substring? {
        let line = statusLine(status)
        let prefix = "HTTP/1.1 \(status) "
        guard line.hasPrefix(prefix) else { return nil }
        return line.dropFirst(prefix.count)
    }

    /// `reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )` (RFC 9112 §4), kept to ASCII, and
    /// not starting with a space (a reader splitting on the first space would see it empty).
    static func isWellFormed(_ phrase: Substring) -> Bool {
        guard let first = phrase.utf8.first, first != 0x20 else { return false }
        return phrase.utf8.allSatisfy { $0 == 0x09 || $0 == 0x20 || (0x21...0x7E).contains($0) }
    }

    @Test("every standard status goes out with its registered phrase", arguments: registeredReasonPhrases)
    func registered(_ entry: RegisteredPhrase) {
        #expect(Self.statusLine(entry.status) == "HTTP/1.1 \(entry.status) \(entry.phrase)")
    }

    @Test("504 is Gateway Timeout, the direct-method timeout the SDK saw as ''; its neighbours too")
    func gatewayTimeout() {
        #expect(Self.statusLine(504) == "HTTP/1.1 504 Gateway Timeout")
        #expect(Self.statusLine(502) == "HTTP/1.1 502 Bad Gateway")
        #expect(Self.statusLine(411) == "HTTP/1.1 411 Length Required")
    }

    @Test("every three-digit status, registered or not, has a well-formed non-empty phrase")
    func wholeRange() {
        for status in 100...999 {
            let phrase = Self.phrase(status)
            #expect(phrase.map(Self.isWellFormed) == true, "\(status): \(Self.statusLine(status).debugDescription)")
        }
    }

    @Test("an unregistered status says Unknown rather than nothing")
    func unregistered() {
        for status in [299, 306, 418, 499, 599, 600, 999] {
            #expect(Self.phrase(status) == "Unknown", "\(status)")
        }
    }

    @Test("the statuses this module answers with itself: decode refusals, WebSocket refusals, 408")
    func ownStatuses() {
        let webSocketRefusals: [WebSocketHandshakeError] = [.notGET, .notHTTP11, .missingUpgrade, .missingConnectionUpgrade,
                                                           .unsupportedVersion, .invalidKey, .noAcceptableSubprotocol]
        let statuses = malformedRequests.map(\.error.status) + webSocketRefusals.map(\.status) + [101, 200, 204, 408]
        let registered = Dictionary(uniqueKeysWithValues: registeredReasonPhrases.map { ($0.status, $0.phrase) })
        for status in Set(statuses) {
            let expected = registered[status]
            #expect(expected != nil, "\(status) is not a registered status")
            #expect(Self.phrase(status).map(String.init) == expected, "\(status)")
        }
    }
}

/// One row of the IANA HTTP Status Code Registry.
struct RegisteredPhrase: Sendable, CustomStringConvertible {
    var status: Int
    var phrase: String
    var description: String { "\(status) \(phrase)" }
}

/// The IANA registry's phrases, written out here independently of the encoder's table: RFC 9110
/// §15 for most, RFC 6585 (428, 429, 431, 511), RFC 4918 (102, 207, 423, 424), RFC 8297 (103),
/// RFC 5842 (208, 508), RFC 3229 (226), RFC 8470 (425), RFC 7725 (451), RFC 2295 (506),
/// RFC 2774 (510).
let registeredReasonPhrases: [RegisteredPhrase] = [
    (100, "Continue"), (101, "Switching Protocols"), (102, "Processing"), (103, "Early Hints"),
    (200, "OK"), (201, "Created"), (202, "Accepted"), (203, "Non-Authoritative Information"), (204, "No Content"),
    (205, "Reset Content"), (206, "Partial Content"), (207, "Multi-Status"), (208, "Already Reported"), (226, "IM Used"),
    (300, "Multiple Choices"), (301, "Moved Permanently"), (302, "Found"), (303, "See Other"), (304, "Not Modified"),
    (305, "Use Proxy"), (307, "Temporary Redirect"), (308, "Permanent Redirect"),
    (400, "Bad Request"), (401, "Unauthorized"), (402, "Payment Required"), (403, "Forbidden"), (404, "Not Found"),
    (405, "Method Not Allowed"), (406, "Not Acceptable"), (407, "Proxy Authentication Required"),
    (408, "Request Timeout"), (409, "Conflict"), (410, "Gone"), (411, "Length Required"), (412, "Precondition Failed"),
    (413, "Content Too Large"), (414, "URI Too Long"), (415, "Unsupported Media Type"), (416, "Range Not Satisfiable"),
    (417, "Expectation Failed"), (421, "Misdirected Request"), (422, "Unprocessable Content"), (423, "Locked"),
    (424, "Failed Dependency"), (425, "Too Early"), (426, "Upgrade Required"), (428, "Precondition Required"),
    (429, "Too Many Requests"), (431, "Request Header Fields Too Large"), (451, "Unavailable For Legal Reasons"),
    (500, "Internal Server Error"), (501, "Not Implemented"), (502, "Bad Gateway"), (503, "Service Unavailable"),
    (504, "Gateway Timeout"), (505, "HTTP Version Not Supported"), (506, "Variant Also Negotiates"),
    (507, "Insufficient Storage"), (508, "Loop Detected"), (510, "Not Extended"), (511, "Network Authentication Required"),
].map { RegisteredPhrase(status: $0.0, phrase: $0.1) }
