import NaveHTTP

/// A well-formed request as bytes and as the value the decoder must produce.
struct RequestFixture: CustomStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var request: HTTPRequest

    var description: String { name }
}

private func head(_ method: String, _ target: String, _ version: HTTPVersion = .http1_1, _ headers: HTTPHeaders) -> HTTPRequestHead {
    HTTPRequestHead(method: method, target: target, version: version, headers: headers)
}

let requestFixtures: [RequestFixture] = [
    RequestFixture(
        name: "GET with Host",
        bytes: ascii("GET / HTTP/1.1\r\nHost: hub.local\r\n\r\n"),
        request: HTTPRequest(head: head("GET", "/", .http1_1, ["Host": "hub.local"]))
    ),
    RequestFixture(
        name: "IoT Hub twin GET with query and SAS token",
        bytes: ascii("GET /twins/dev-1?api-version=2021-04-12 HTTP/1.1\r\nHost: hub.azure-devices.net\r\nAuthorization: SharedAccessSignature sr=hub%2Fdevices%2Fdev-1&sig=abc%3D&se=1700000000\r\nAccept: application/json\r\n\r\n"),
        request: HTTPRequest(head: head("GET", "/twins/dev-1?api-version=2021-04-12", .http1_1, [
            "Host": "hub.azure-devices.net",
            "Authorization": "SharedAccessSignature sr=hub%2Fdevices%2Fdev-1&sig=abc%3D&se=1700000000",
            "Accept": "application/json",
        ]))
    ),
    RequestFixture(
        name: "POST with Content-Length",
        bytes: ascii("POST /devices/d1/messages/events HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"temp\":21.5}"),
        request: HTTPRequest(
            head: head("POST", "/devices/d1/messages/events", .http1_1, ["Host": "h", "Content-Type": "application/json", "Content-Length": "13"]),
            body: ascii("{\"temp\":21.5}")
        )
    ),
    RequestFixture(
        name: "chunked body with extensions and a trailer",
        bytes: ascii("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; a ; b=\"q\"\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 42\r\n\r\n"),
        request: HTTPRequest(
            head: head("PUT", "/x", .http1_1, ["Host": "h", "Transfer-Encoding": "chunked"]),
            body: ascii("hello world0123456789"),
            trailers: ["X-Checksum": "42"]
        )
    ),
    RequestFixture(
        name: "chunked, empty body, upper-case coding name",
        bytes: ascii("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"),
        request: HTTPRequest(head: head("POST", "/e", .http1_1, ["Host": "h", "Transfer-Encoding": "CHUNKED"]))
    ),
    RequestFixture(
        name: "HTTP/1.0 without Host, keep-alive",
        bytes: ascii("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        request: HTTPRequest(head: head("GET", "/a", .http1_0, ["Connection": "keep-alive"]))
    ),
    RequestFixture(
        name: "absolute-form target, empty Host",
        bytes: ascii("GET http://hub.local:8080/p?q=1 HTTP/1.1\r\nHost:\r\n\r\n"),
        request: HTTPRequest(head: head("GET", "http://hub.local:8080/p?q=1", .http1_1, ["Host": ""]))
    ),
    RequestFixture(
        name: "OWS around values, tab, obs-text, repeated names",
        bytes: ascii("DELETE /d HTTP/1.1\r\nHost:  h \t\r\nX-A: 1\r\nx-a:\t2 3\r\nIf-Match: \"*\"\r\n\r\n"),
        request: HTTPRequest(head: head("DELETE", "/d", .http1_1, ["Host": "h", "X-A": "1", "x-a": "2 3", "If-Match": "\"*\""]))
    ),
    RequestFixture(
        name: "empty line before the request line (RFC 9112 §2.2)",
        bytes: ascii("\r\nGET /after-crlf HTTP/1.1\r\nHost: h\r\n\r\n"),
        request: HTTPRequest(head: head("GET", "/after-crlf", .http1_1, ["Host": "h"]))
    ),
    RequestFixture(
        name: "identical Content-Length values (RFC 9112 §6.3 item 5)",
        bytes: ascii("POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc"),
        request: HTTPRequest(
            head: head("POST", "/c", .http1_1, ["Host": "h", "Content-Length": "3, 3", "Content-Length": "3"]),
            body: ascii("abc")
        )
    ),
    RequestFixture(
        name: "WebSocket upgrade for MQTT",
        bytes: ascii("GET /$iothub/websocket HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"),
        request: HTTPRequest(head: head("GET", "/$iothub/websocket", .http1_1, [
            "Host": "h", "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "mqtt",
        ]))
    ),
    RequestFixture(
        name: "binary body with CR, LF and NUL bytes",
        bytes: ascii("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n") + [0x0D, 0x0A, 0x00, 0xFF, 0x0A, 0x0D],
        request: HTTPRequest(
            head: head("POST", "/b", .http1_1, ["Host": "h", "Content-Length": "6"]),
            body: [0x0D, 0x0A, 0x00, 0xFF, 0x0A, 0x0D]
        )
    ),
]
