import NaveEncoding
import NaveHTTP
import Testing

/// The opening handshake (RFC 6455 §4.2).
@Suite("WebSocket handshake")
struct WebSocketHandshakeTests {
    private func upgradeHead(_ extra: HTTPHeaders = [:], without: String? = nil, method: String = "GET", version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        var headers: HTTPHeaders = [
            "Host": "hub", "Upgrade": "websocket", "Connection": "keep-alive, Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13",
        ]
        if let without { headers.remove(name: without) }
        for field in extra { headers.add(name: field.name, value: field.value) }
        return HTTPRequestHead(method: method, target: "/$iothub/websocket", version: version, headers: headers)
    }

    /// RFC 6455 §1.3 prints "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=": 28 characters, as base64 of a
    /// 20-byte SHA-1 digest must be. (A 25-character "s3pPLMBiTxaQ9kK+C5xmrxOo=" that circulates
    /// is a corrupted copy of it and cannot be any digest's encoding.)
    @Test("RFC 6455 §1.3 example key gives its accept value")
    func acceptVector() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(Base64.decode("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")?.count == 20)
        #expect(Base64.decode("s3pPLMBiTxaQ9kK+C5xmrxOo=") == nil)
    }

    @Test("an MQTT upgrade: 101 with accept and the mqtt subprotocol")
    func mqttUpgrade() throws {
        let head = upgradeHead(["Sec-WebSocket-Protocol": "wamp, mqtt", "Sec-WebSocket-Protocol": "mqttv3.1"])
        let upgrade = try WebSocketHandshake.accept(head, subprotocols: ["mqttv3.1", "mqtt"], subprotocolRequired: true)
        #expect(upgrade == WebSocketUpgrade(accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", subprotocol: "mqtt"))
        var buffer: [UInt8] = []
        upgrade.encodeResponse(into: &buffer)
        #expect(buffer == ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"))
    }

    @Test("no subprotocol offered: accepted without one unless required")
    func noSubprotocol() throws {
        #expect(try WebSocketHandshake.accept(upgradeHead(), subprotocols: ["mqtt"]).subprotocol == nil)
        #expect(throws: WebSocketHandshakeError.noAcceptableSubprotocol) {
            try WebSocketHandshake.accept(upgradeHead(["Sec-WebSocket-Protocol": "MQTT"]), subprotocols: ["mqtt"], subprotocolRequired: true)
        }
    }

    @Test("header tokens match ignoring case")
    func caseInsensitiveTokens() throws {
        var head = upgradeHead(without: "Upgrade")
        head.headers.add(name: "upgrade", value: "WebSocket")
        _ = try WebSocketHandshake.accept(head)
    }

    static let refusals: [(String, HTTPRequestHead, WebSocketHandshakeError, Int)] = {
        let test = WebSocketHandshakeTests()
        return [
            ("POST", test.upgradeHead(method: "POST"), .notGET, 405),
            ("HTTP/1.0", test.upgradeHead(version: .http1_0), .notHTTP11, 400),
            ("no Upgrade", test.upgradeHead(without: "Upgrade"), .missingUpgrade, 400),
            ("Upgrade: h2c", test.upgradeHead(["Upgrade": "h2c"], without: "Upgrade"), .missingUpgrade, 400),
            ("Connection without upgrade", test.upgradeHead(["Connection": "keep-alive"], without: "Connection"), .missingConnectionUpgrade, 400),
            ("no version", test.upgradeHead(without: "Sec-WebSocket-Version"), .unsupportedVersion, 426),
            ("version 8", test.upgradeHead(["Sec-WebSocket-Version": "8"], without: "Sec-WebSocket-Version"), .unsupportedVersion, 426),
            ("no key", test.upgradeHead(without: "Sec-WebSocket-Key"), .invalidKey, 400),
            ("key of 15 bytes", test.upgradeHead(["Sec-WebSocket-Key": Base64.encode([UInt8](repeating: 1, count: 15))], without: "Sec-WebSocket-Key"), .invalidKey, 400),
            ("key not base64", test.upgradeHead(["Sec-WebSocket-Key": "not base64 at all!!!!!!!"], without: "Sec-WebSocket-Key"), .invalidKey, 400),
            ("two keys", test.upgradeHead(["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="]), .invalidKey, 400),
        ]
    }()

    @Test("refusals and their statuses", arguments: 0..<refusals.count)
    func refused(_ index: Int) {
        let (_, head, error, status) = Self.refusals[index]
        #expect(throws: error) { try WebSocketHandshake.accept(head) }
        #expect(error.status == status)
    }

    @Test("426 names the version spoken; 405 names the method allowed")
    func refusalResponses() {
        var buffer: [UInt8] = []
        WebSocketHandshakeError.unsupportedVersion.encodeResponse(into: &buffer)
        #expect(buffer == ascii("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        buffer = []
        WebSocketHandshakeError.notGET.encodeResponse(into: &buffer)
        #expect(buffer == ascii("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
    }
}
