import Testing

/// A TCP client on a TLS listener that never completes its handshake — silent, or stalled
/// after the first bytes of a ClientHello — is bounded by the listener's own clock: the
/// request timeout on HTTPS (300 ms here), the MQTT connect timeout on the device port (1 s
/// here). Otherwise anyone could hold connections (and their descriptors) forever.
@Suite("TLS handshake timeouts")
struct HandshakeTimeoutTests {
    enum Listener: String, CaseIterable, Sendable { case https, deviceMQTT }

    @Test("a stalled TLS handshake is closed", arguments: Listener.allCases, ["", "160301"])
    func stalledHandshake(listener: Listener, firstBytes: String) async throws {
        let node = try await TestNode.start(requestTimeoutMillis: 300)
        defer { node.stop(); node.removeDirectory() }
        let port = listener == .https ? node.httpsPort : node.mqttPort
        let result = try await node.python.run("silent", ["\(port)", "4", firstBytes])
        let elapsed = result["elapsed"] as? Double ?? 0
        #expect(result["closed"] as? Bool == true, "still open after \(elapsed) s")
        let limit = listener == .https ? 0.3 : 1.0
        #expect(elapsed >= limit - 0.1 && elapsed < limit + 1.5, "closed after \(elapsed) s; the limit is \(limit) s: \(result)")
    }
}
