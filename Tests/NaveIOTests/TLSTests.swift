import Foundation
import NaveIO
import Synchronization
import Testing

/// Development certificates made with the openssl command line: a CA, a server certificate for
/// 127.0.0.1 and a client certificate, all ECDSA P-256.
struct TestCertificates {
    let directory: URL
    var caCertificate: String { directory.appendingPathComponent("ca.pem").path }
    var serverChain: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    var clientChain: String { directory.appendingPathComponent("client.pem").path }
    var clientKey: String { directory.appendingPathComponent("client.key").path }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nave-tls-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
        set -e
        openssl ecparam -name prime256v1 -genkey -noout -out ca.key
        openssl req -x509 -new -key ca.key -subj /CN=nave-test-ca -days 2 -out ca.pem
        for who in server client; do
          openssl ecparam -name prime256v1 -genkey -noout -out $who.key
          openssl req -new -key $who.key -subj /CN=$who -out $who.csr
          printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > $who.ext
          openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile $who.ext -out $who.pem
        done
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return TestCertificates(directory: directory)
    }
}

/// Records a TLS connection's view: active, protocol, peer certificate, plaintext received.
final class TLSProbe: Sendable {
    let state = Mutex<(version: String?, peerCertificate: Bool, closes: [CloseReason], received: [UInt8])>((nil, false, [], []))
    /// Plaintext reached the handler before `connectionActive` (an engine ordering bug).
    let receivedBeforeActive = Mutex(false)
}

final class TLSProbeHandler: ConnectionHandler {
    let probe: TLSProbe
    let echo: Bool
    let greeting: [UInt8]
    init(_ probe: TLSProbe, echo: Bool = true, greeting: [UInt8] = []) {
        self.probe = probe
        self.echo = echo
        self.greeting = greeting
    }

    var active = false

    func connectionActive(_ connection: Connection) {
        active = true
        probe.state.withLock {
            $0.version = connection.tlsProtocolVersion
            $0.peerCertificate = connection.peerCertificateDER != nil
        }
        // Both write paths are exercised: the greeting (300 KB) through an encoder-style
        // reservation larger than the loop's scratch, echoes through reservations within it.
        guard !greeting.isEmpty else { return }
        connection.write(reserving: greeting.count) { target in
            greeting.withUnsafeBytes { target.copyMemory(from: $0) }
            return greeting.count
        }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        if !active { probe.receivedBeforeActive.withLock { $0 = true } }
        guard echo else { return probe.state.withLock { $0.received.append(contentsOf: bytes) } }
        connection.write(reserving: bytes.count) { target in
            target.copyMemory(from: bytes)
            return bytes.count
        }
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) { probe.state.withLock { $0.closes.append(reason) } }
}

@Suite("TLS on the engine", .serialized)
struct TLSTests {
    static let pythonClient = #"""
    import socket, ssl, sys
    port, ca, version = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    context = ssl.create_default_context(cafile=ca)
    context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, version)
    if len(sys.argv) > 4: context.load_cert_chain(sys.argv[4], sys.argv[5])
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            payload = bytes(range(256)) * 400
            tls.sendall(payload)
            echoed = b""
            while len(echoed) < len(payload):
                echoed += tls.recv(65536)
            print(tls.version(), "ok" if echoed == payload else "mismatch", flush=True)
    """#

    func runPython(_ arguments: [String]) throws -> String {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("nave-tls-client-\(getpid()).py")
        try Self.pythonClient.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("Python's ssl client completes TLS 1.2 and 1.3 handshakes and echoes 100 KB", arguments: allBackends)
    func pythonClientEchoes(backend: EventLoopConfiguration.BackendChoice) throws {
        let certificates = try TestCertificates.make()
        let context = try TLSContext(serverCertificateChainPath: certificates.serverChain, privateKeyPath: certificates.serverKey)
        let group = try makeGroup(backend: backend, loops: 1)
        defer { group.shutdownGracefully() }
        let probe = TLSProbe()
        let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!, tls: context) { _ in TLSProbeHandler(probe) }
        let port = "\(listener.address.port)"
        #expect(try runPython([port, certificates.caCertificate, "TLSv1_3"]) == "TLSv1.3 ok")
        #expect(try runPython([port, certificates.caCertificate, "TLSv1_2"]) == "TLSv1.2 ok")
        #expect(probe.state.withLock { $0.version } == "TLSv1.2")
        // A client certificate is requested, not required: with one, the handler sees it.
        #expect(probe.state.withLock { $0.peerCertificate } == false)
        #expect(try runPython([port, certificates.caCertificate, "TLSv1_3", certificates.clientChain, certificates.clientKey]) == "TLSv1.3 ok")
        #expect(probe.state.withLock { $0.peerCertificate } == true)
    }

    @Test("an engine TLS client talks to an engine TLS server", arguments: allBackends)
    func engineToEngine(backend: EventLoopConfiguration.BackendChoice) throws {
        let certificates = try TestCertificates.make()
        let serverContext = try TLSContext(serverCertificateChainPath: certificates.serverChain, privateKeyPath: certificates.serverKey)
        let clientContext = try TLSContext(clientTrustingCAPath: certificates.caCertificate)
        let group = try makeGroup(backend: backend, loops: 2)
        defer { group.shutdownGracefully() }
        let serverProbe = TLSProbe(), clientProbe = TLSProbe()
        let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!, tls: serverContext) { _ in TLSProbeHandler(serverProbe) }
        let payload = patternBytes(300_000)
        let loop = group.loops[1]
        loop.execute {
            // The greeting is written in connectionActive: after the handshake.
            loop.connect(to: listener.address, tls: clientContext,
                         handler: TLSProbeHandler(clientProbe, echo: false, greeting: payload))
        }
        #expect(eventually { clientProbe.state.withLock { $0.received.count } >= payload.count })
        expectSameBytes(clientProbe.state.withLock { $0.received }, payload)
        #expect(clientProbe.state.withLock { $0.version } == "TLSv1.3")
        // The client's first data rides with its Finished: the server must be active before
        // it decrypts that data, in the same read that completed the handshake.
        #expect(!serverProbe.receivedBeforeActive.withLock { $0 })
    }

    @Test("a client context with reuseSessions resumes the session the server issued (TLS 1.3 ticket)", arguments: allBackends)
    func clientResumesSession(backend: EventLoopConfiguration.BackendChoice) throws {
        let certificates = try TestCertificates.make()
        let serverContext = try TLSContext(serverCertificateChainPath: certificates.serverChain, privateKeyPath: certificates.serverKey)
        let reusing = try TLSContext(clientTrustingCAPath: certificates.caCertificate, reuseSessions: true)
        let plain = try TLSContext(clientTrustingCAPath: certificates.caCertificate)
        let group = try makeGroup(backend: backend, loops: 2)
        defer { group.shutdownGracefully() }
        let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!, tls: serverContext) { _ in TLSProbeHandler(TLSProbe()) }
        let log = ResumptionLog()
        // Each client waits for its echo before the next starts: by then it has read the
        // server's tickets (sent after the handshake), so the next one has a session to offer.
        for context in [reusing, reusing, reusing, plain] {
            let count = log.resumed.withLock { $0.count }
            let loop = group.loops[1]
            loop.execute { loop.connect(to: listener.address, tls: context, handler: ResumptionProbe(log)) }
            #expect(eventually { log.resumed.withLock { $0.count } == count + 1 })
        }
        #expect(log.resumed.withLock { $0 } == [false, true, true, false])
    }

    @Test("plaintext sent to a TLS port fails the handshake and closes only that connection", arguments: allBackends)
    func garbageFailsHandshake(backend: EventLoopConfiguration.BackendChoice) throws {
        let certificates = try TestCertificates.make()
        let context = try TLSContext(serverCertificateChainPath: certificates.serverChain, privateKeyPath: certificates.serverKey)
        let group = try makeGroup(backend: backend, loops: 1)
        defer { group.shutdownGracefully() }
        let probe = TLSProbe()
        let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!, tls: context) { _ in TLSProbeHandler(probe) }
        let client = try BlockingClient(port: listener.address.port)
        client.send(Array("CONNECT not-tls HTTP/1.1\r\n\r\n".utf8))
        _ = client.receiveUntilClosed()
        #expect(eventually { probe.state.withLock { $0.closes.count } == 1 })
        if case .tlsFailed = probe.state.withLock({ $0.closes.first }) {} else {
            Issue.record("expected tlsFailed, got \(String(describing: probe.state.withLock { $0.closes.first }))")
        }
        #expect(probe.state.withLock { $0.version } == nil, "the handler must not be activated before a handshake")
    }

    @Test("a missing certificate file is a clear error")
    func missingCertificate() {
        #expect(throws: TLSError.self) {
            try TLSContext(serverCertificateChainPath: "/nonexistent/server.pem", privateKeyPath: "/nonexistent/server.key")
        }
    }
}

final class ResumptionLog: Sendable {
    let resumed = Mutex<[Bool]>([])
}

/// Sends a byte once active, records whether the session was resumed when the echo comes back,
/// then closes.
final class ResumptionProbe: ConnectionHandler {
    let log: ResumptionLog
    init(_ log: ResumptionLog) { self.log = log }

    func connectionActive(_ connection: Connection) {
        connection.write(reserving: 1) { target in
            target[0] = 42
            return 1
        }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        let resumed = connection.isTLSResumed
        log.resumed.withLock { $0.append(resumed) }
        connection.close()
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {}
}
