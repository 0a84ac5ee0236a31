import NaveHTTP
import NaveModel
import NaveTestSupport
import Testing

/// The status line each hub error goes out with. The Azure SDKs refuse a response whose reason
/// phrase is empty ("invalid status code ''", issue #11), so every status a `HubError` can carry
/// must be one the encoder names.
@Suite("REST: error status lines")
struct ErrorStatusLineTests {
    @Test("every error in the catalog goes out with a registered reason phrase")
    func catalog() {
        for (error, _, name) in HubErrorCatalog.all {
            let line = statusLine(HTTPResponse(status: error.status))
            let phrase = line.dropFirst("HTTP/1.1 \(error.status) ".count)
            #expect(line.hasPrefix("HTTP/1.1 \(error.status) ") && !phrase.isEmpty && phrase != "Unknown", "\(name): \(line.debugDescription)")
        }
    }

    @Test("the statuses whose phrase the SDK reads back, spelled as RFC 9110 §15 spells them")
    func phrases() {
        let expected: [(HubError, String)] = [
            (.gatewayTimeout(deviceID: "d", responseTimeoutSeconds: 5), "504 Gateway Timeout"),
            (.serviceUnavailable(), "503 Service Unavailable"),
            (.throttled(), "429 Too Many Requests"),
            (.messageTooLarge(sizeBytes: 2, sizeBytesMax: 1), "413 Content Too Large"),
            (.preconditionFailed(), "412 Precondition Failed"),
            (.deviceNotOnline(deviceID: "d", connectTimeoutSeconds: 0), "404 Not Found"),
        ]
        for (error, text) in expected {
            #expect(statusLine(HTTPResponse(status: error.status)) == "HTTP/1.1 \(text)")
        }
    }
}

/// The first line `response` encodes to, without its CRLF.
func statusLine(_ response: HTTPResponse) -> String {
    var buffer: [UInt8] = []
    HTTPResponse.encodeHead(status: response.status, headers: [:], framing: .none, date: nil, into: &buffer)
    let end = buffer.firstIndex(of: 0x0D) ?? buffer.endIndex
    return String(decoding: buffer[..<end], as: UTF8.self)
}
