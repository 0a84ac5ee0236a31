import Foundation
import NaveIO
import Testing

/// SIGHUP's certificate reload at the engine: a server context swaps its certificate and key
/// for new handshakes while established sessions keep theirs (issue #16).
@Suite("TLS identity reload", .serialized)
struct TLSReloadTests {
    /// A client that sends `greeting` once active and records the echo and its close.
    func dial(_ group: EventLoopGroup, _ address: SocketAddress, trusting ca: String) throws -> TLSProbe {
        let probe = TLSProbe()
        let context = try TLSContext(clientTrustingCAPath: ca)
        let loop = group.loops[1]
        loop.execute { loop.connect(to: address, tls: context, handler: TLSProbeHandler(probe, echo: false, greeting: Array("ping".utf8))) }
        return probe
    }

    func echoed(_ probe: TLSProbe) -> Bool { eventually { probe.state.withLock { $0.received.count } >= 4 } }
    func failed(_ probe: TLSProbe) -> Bool {
        eventually {
            if case .tlsFailed = probe.state.withLock({ $0.closes.first }) { return true }
            return false
        }
    }

    @Test("new handshakes use the reloaded certificate; a session made before stays up; a bad file keeps the old one", arguments: allBackends)
    func reloadSwapsIdentityForNewHandshakes(backend: EventLoopConfiguration.BackendChoice) throws {
        let old = try TestCertificates.make(), new = try TestCertificates.make()
        let live = FileManager.default.temporaryDirectory.appendingPathComponent("nave-tls-live-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: live, withIntermediateDirectories: true)
        let chain = live.appendingPathComponent("server.pem").path, key = live.appendingPathComponent("server.key").path
        func install(_ set: TestCertificates) throws {
            for (from, to) in [(set.serverChain, chain), (set.serverKey, key)] {
                try? FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
        }
        try install(old)
        let server = try TLSContext(serverCertificateChainPath: chain, privateKeyPath: key)
        let group = try makeGroup(backend: backend, loops: 2)
        defer { group.shutdownGracefully() }
        let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!, tls: server) { _ in TLSProbeHandler(TLSProbe()) }

        let before = try dial(group, listener.address, trusting: old.caCertificate)
        #expect(echoed(before))
        try install(new)
        try server.reloadServerIdentity()
        #expect(echoed(try dial(group, listener.address, trusting: new.caCertificate)))
        #expect(failed(try dial(group, listener.address, trusting: old.caCertificate)), "the old certificate must be gone for new handshakes")
        #expect(before.state.withLock { $0.closes }.isEmpty, "the session made before the reload must stay up")

        // A key that does not match its certificate is refused, and the identity in force stays.
        try FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: old.serverKey, toPath: key)
        #expect(throws: TLSError.self) { try server.reloadServerIdentity() }
        #expect(echoed(try dial(group, listener.address, trusting: new.caCertificate)))
        #expect(throws: TLSError.self) { try TLSContext(clientTrustingCAPath: nil).reloadServerIdentity() }
    }
}
