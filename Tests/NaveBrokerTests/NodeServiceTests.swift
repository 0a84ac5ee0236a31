import Glibc
import Logging
import NaveMQTT
import NaveNode
import NaveSocketTestSupport
import ServiceLifecycle
import Testing

/// `NaveServer` as a swift-service-lifecycle `Service` (issue #16): in a `ServiceGroup`, a
/// graceful shutdown drains the node — not ready, no new clients, connected ones kept for the
/// grace period, then closed — and `run()` returns.
@Suite("NaveServer in a ServiceGroup", .serialized)
struct NodeServiceTests {
    static func startNode(drainGraceSeconds: Int) throws -> NaveServer {
        var configuration = NaveConfiguration()
        configuration.engine.loopCount = 2
        configuration.listeners = [.init(host: "127.0.0.1", port: 0)]
        configuration.lifecycle.drainGraceSeconds = drainGraceSeconds
        var logger = Logger(label: "nave.test")
        logger.logLevel = .warning
        return try NaveServer(configuration: configuration, logger: logger)
    }

    /// An MQTT client that completed its CONNECT.
    static func connectedClient(_ server: NaveServer, id: String) throws -> BlockingClient {
        let client = try BlockingClient(port: server.listeningAddresses[0].port, timeoutSeconds: 2)
        var connect: [UInt8] = []
        MQTTPacket.connect(MQTTConnect(clientID: id, keepAliveSeconds: 0)).encode(into: &connect)
        client.send(connect)
        #expect(client.receive(count: 4) == [0x20, 0x02, 0x00, 0x00])
        return client
    }

    static func accepts(_ port: Int) -> Bool {
        guard let client = try? BlockingClient(port: port, timeoutSeconds: 1) else { return false }
        // A closed listener refuses the connect, or (reuseport teardown) resets it at once.
        return !client.isClosedByPeer(withinMillis: 200)
    }

    @Test("graceful shutdown: not ready, no new clients, a connected client kept for the grace period then closed, run() returns")
    func gracefulShutdownDrains() async throws {
        let server = try Self.startNode(drainGraceSeconds: 2)
        let port = server.listeningAddresses[0].port
        let group = ServiceGroup(services: [server], logger: Logger(label: "nave.test.group"))
        let running = Task { try await group.run() }
        #expect(server.health.isReady)
        let client = try Self.connectedClient(server, id: "stays")

        await group.triggerGracefulShutdown()
        #expect(eventually { server.health.phase == .draining })
        #expect(!server.health.isReady)
        #expect(eventually { !Self.accepts(port) }, "the listener must close at the drain's start")
        #expect(!client.isClosedByPeer(withinMillis: 500), "a connected client keeps its connection during the grace period")
        #expect(client.isClosedByPeer(withinMillis: 10_000), "closed once the grace period is over")
        try await running.value
        #expect(server.health.phase == .stopped)
    }

    /// A node on the longest grace, in a group, draining, with one client still connected.
    static func drainingWithClient(id: String) async throws -> (NaveServer, Task<Void, any Error>, BlockingClient) {
        let server = try startNode(drainGraceSeconds: LifecycleConfiguration.drainGraceSecondsMax)
        let group = ServiceGroup(services: [server], logger: Logger(label: "nave.test.group"))
        let running = Task { try await group.run() }
        let client = try connectedClient(server, id: id)
        await group.triggerGracefulShutdown()
        #expect(eventually { server.health.phase == .draining })
        #expect(!client.isClosedByPeer(withinMillis: 300), "a drain must wait for a connected client")
        return (server, running, client)
    }

    @Test("a drain ends as soon as the last client has left")
    func drainEndsWhenClientsLeave() async throws {
        let (server, running, client) = try await Self.drainingWithClient(id: "leaves")
        var disconnect: [UInt8] = []
        MQTTPacket.disconnect.encode(into: &disconnect)
        client.send(disconnect)
        #expect(eventually(timeout: .seconds(30)) { server.health.phase == .stopped }, "the drain waited for a client that had left")
        try await running.value
    }

    @Test("stopDrainingNow (a second SIGTERM) closes the remaining clients without waiting out the grace")
    func secondStopEndsDrain() async throws {
        let (server, running, client) = try await Self.drainingWithClient(id: "stubborn")
        server.stopDrainingNow()
        #expect(client.isClosedByPeer(withinMillis: 10_000))
        #expect(eventually(timeout: .seconds(30)) { server.health.phase == .stopped })
        try await running.value
    }

    @Test("lifecycle.drainGraceSeconds is read and checked: 0...600")
    func drainGraceConfiguration() async throws {
        let read = try await NaveConfiguration.load(configFile: nil, environment: ["LIFECYCLE_DRAIN_GRACE_SECONDS": "3"])
        #expect(read.lifecycle.drainGraceSeconds == 3)
        #expect(NaveConfiguration().lifecycle.drainGraceSeconds == 10)
        var configuration = NaveConfiguration()
        configuration.lifecycle.drainGraceSeconds = 601
        #expect(throws: ConfigurationInvalidMatcher.self) { try Self.validate(configuration) }
        configuration.lifecycle.drainGraceSeconds = -1
        #expect(throws: ConfigurationInvalidMatcher.self) { try Self.validate(configuration) }
        configuration.lifecycle.drainGraceSeconds = 0
        try configuration.validate()
    }

    struct ConfigurationInvalidMatcher: Error {}
    static func validate(_ configuration: NaveConfiguration) throws {
        do { try configuration.validate() } catch { if "\(error)".contains("lifecycle.drainGraceSeconds") { throw ConfigurationInvalidMatcher() } }
    }
}
