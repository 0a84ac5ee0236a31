import Logging
import NaveIO
import NaveMQTT
import NaveNode
import NaveSocketTestSupport
import Testing

/// A whole node (`NaveServer`: loops, broker, listeners) started on a `ManualLoopClock`: the
/// broker's keep-alive enforcement reads the injected clock end to end, so 16 seconds of MQTT
/// keep-alive pass in milliseconds of real time, and not one of them passes unless the test
/// moves the clock. Real loopback sockets; the point is time.
@Suite("A node on a manual loop clock", .serialized)
struct ManualLoopClockNodeTests {
    static func startNode(on clock: ManualLoopClock) throws -> NaveServer {
        var configuration = NaveConfiguration()
        configuration.engine.loopCount = 2
        configuration.engine.clock = clock
        configuration.listeners = [.init(host: "127.0.0.1", port: 0)]
        var logger = Logger(label: "nave.test")
        logger.logLevel = .warning
        return try NaveServer(configuration: configuration, logger: logger)
    }

    @Test("a client silent for 1.5 × its 10-s keep-alive is closed once the clock passes 15 s, not before (MQTT 3.1.1 §3.1.2.10)")
    func keepAliveExpiresOnTheManualClock() async throws {
        let realStart = monotonicNanos()
        let clock = ManualLoopClock()
        let server = try Self.startNode(on: clock)
        defer { server.shutdown(gracePeriod: .zero) }
        #expect(server.loopClock is ManualLoopClock)

        let client = try BlockingClient(port: server.listeningAddresses[0].port, timeoutSeconds: 2)
        var connect: [UInt8] = []
        MQTTPacket.connect(MQTTConnect(clientID: "silent", keepAliveSeconds: 10)).encode(into: &connect)
        client.send(connect)
        let connack = client.receive(count: 4)
        #expect(connack.count == 4 && connack[0] == 0x20 && connack[3] == 0x00, "CONNACK accepted: \(connack)")

        // The client sends nothing more. Its keep-alive clock started with the CONNECT, at 0.
        clock.advance(by: .seconds(14))
        await clock.settle()
        #expect(!client.isClosedByPeer(withinMillis: 50), "closed at 14 s of a 15-s grace")
        clock.advance(by: .milliseconds(999))
        await clock.settle()
        #expect(!client.isClosedByPeer(withinMillis: 50), "closed at 14.999 s of a 15-s grace")
        #expect(server.broker.statistics.connectionsClosedForErrors == 0)

        // Past 15 s, with the housekeeping granularity (at most the 1-s interval) on top.
        clock.advance(by: .seconds(2))
        await clock.settle()
        #expect(client.isClosedByPeer(withinMillis: 2_000), "still open at 16.999 s: the keep-alive does not read the injected clock")
        #expect(server.broker.statistics.connectionsClosedForErrors == 1, "the keep-alive close is counted")

        // Typically 0.1 s. The bound only has to show that no 15 s of real time went by: it
        // stays loose for a loaded shared host (wall-clock time is never a gate here).
        let realSeconds = Double(monotonicNanos() - realStart) / 1e9
        #expect(realSeconds < 10, "took \(realSeconds) s of real time for 17 s on the manual clock")
    }
}
