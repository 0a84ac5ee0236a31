import Foundation
import Logging
import NaveIO
import NaveMQTT
import NaveNode
import NaveSocketTestSupport
import Testing

/// The admin listener (issue #16): health through start and drain, metrics summed from the
/// loops' own counters, 404 and 405 for anything else. In process, over loopback.
@Suite("Admin listener", .serialized)
struct AdminListenerTests {
    static func startNode(loopCount: Int = 2, subscriberOutboundBytesMax: Int? = nil) throws -> NaveServer {
        var configuration = NaveConfiguration()
        configuration.engine.loopCount = loopCount
        configuration.listeners = [.init(host: "127.0.0.1", port: 0)]
        configuration.admin.listeners = [.init(host: "127.0.0.1", port: 0)]
        if let subscriberOutboundBytesMax { configuration.broker.subscriberOutboundBytesMax = subscriberOutboundBytesMax }
        var logger = Logger(label: "nave.test")
        logger.logLevel = .warning
        return try NaveServer(configuration: configuration, logger: logger)
    }

    /// One request on its own connection: status line's code and body.
    static func get(_ path: String, port: Int, method: String = "GET", headers: String = "") throws -> (status: Int, body: String) {
        let client = try BlockingClient(port: port, timeoutSeconds: 5)
        client.send("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\(headers)Connection: close\r\n\r\n")
        let text = String(decoding: client.receiveUntilClosed(), as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let status = Int(parts[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test("ready and live while running; unknown paths 404, other methods 405")
    func healthWhileRunning() async throws {
        let server = try Self.startNode()
        let port = server.adminAddresses[0].port
        #expect(try Self.get("/health/live", port: port) == (200, "{\"status\":\"ready\"}"))
        #expect(try Self.get("/health/ready", port: port) == (200, "{\"status\":\"ready\"}"))
        #expect(try Self.get("/nothing", port: port).status == 404)
        #expect(try Self.get("/metrics", port: port, method: "POST").status == 405)
        await server.shutdown(gracePeriod: .zero)
    }

    @Test("the metrics endpoint sums every loop's counters")
    func metricsSumLoops() async throws {
        let server = try Self.startNode()
        let port = server.adminAddresses[0].port
        let key = LoopCounterKey("nave_test_events_total", [.init("kind", "probe")])
        // Counted on each loop, as a connection handler would: 1 on loop 0, 2 on loop 1.
        for (index, loop) in server.group.loops.enumerated() {
            await loop.submit { loop.count(key, by: index + 1) }
        }
        let prometheus = try Self.get("/metrics", port: port)
        #expect(prometheus.status == 200)
        #expect(prometheus.body.contains("nave_test_events_total{kind=\"probe\"} 3"))
        #expect(prometheus.body.contains("# TYPE nave_event_log_fsync_seconds histogram") == false) // no hub, no log
        #expect(prometheus.body.contains("nave_sessions 0"))
        // A second scrape after more counting reports the new sum, not the increments twice.
        await server.group.loops[0].submit { server.group.loops[0].count(key, by: 4) }
        let second = try Self.get("/metrics", port: port, headers: "Accept: application/openmetrics-text\r\n")
        #expect(second.body.contains("nave_test_events_total{kind=\"probe\"} 7"))
        #expect(second.body.contains("# TYPE nave_test_events counter"))
        #expect(second.body.hasSuffix("# EOF\n"))
        await server.shutdown(gracePeriod: .zero)
    }

    @Test("connections are counted per listener and MQTT messages per QoS")
    func connectionsAndMessages() async throws {
        let server = try Self.startNode()
        let mqttPort = server.listeningAddresses[0].port
        let client = try BlockingClient(port: mqttPort)
        var bytes: [UInt8] = []
        MQTTPacket.connect(MQTTConnect(clientID: "metrics-probe")).encode(into: &bytes)
        MQTTPacket.publish(MQTTPublish(topic: "t", payload: [1, 2, 3])).encode(into: &bytes)
        client.send(bytes)
        _ = client.receive(count: 4) // CONNACK
        #expect(eventually { server.broker.statistics.messagesReceived == 1 })
        let body = try Self.get("/metrics", port: server.adminAddresses[0].port).body
        #expect(body.contains("nave_connections{protocol=\"mqtt\",listener=\"\(server.listeningAddresses[0])\"} 1"))
        #expect(body.contains("nave_messages_in_total{protocol=\"mqtt\",qos=\"0\"} 1"))
        #expect(body.contains("nave_connects_total{protocol=\"mqtt\"} 1"))
        client.reset()
        await server.shutdown(gracePeriod: .zero)
    }

    /// A subscriber that never reads keeps the drain open for its grace period (its queued
    /// bytes cannot go out): meanwhile ready answers 503 "draining" and live 200, and the admin
    /// listener closes only once the node stopped.
    @Test("ready is 503 while draining; the admin listener closes last")
    func readyDuringDrain() async throws {
        // One loop: no mailbox between publisher and subscriber, so a drop means the
        // subscriber's own send queue is over its limit (not a full mailbox).
        let server = try Self.startNode(loopCount: 1, subscriberOutboundBytesMax: 1 << 19)
        let port = server.adminAddresses[0].port
        let mqttPort = server.listeningAddresses[0].port
        let subscriber = try BlockingClient(port: mqttPort)
        var bytes: [UInt8] = []
        MQTTPacket.connect(MQTTConnect(clientID: "never-reads")).encode(into: &bytes)
        MQTTPacket.subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: "t", qos: .atMostOnce)])).encode(into: &bytes)
        subscriber.send(bytes)
        _ = subscriber.receive(count: 4 + 5) // CONNACK, SUBACK
        let publisher = try BlockingClient(port: mqttPort)
        bytes = []
        MQTTPacket.connect(MQTTConnect(clientID: "floods")).encode(into: &bytes)
        publisher.send(bytes)
        _ = publisher.receive(count: 4)
        var publish: [UInt8] = []
        MQTTPacket.publish(MQTTPublish(topic: "t", payload: Array(repeating: 7, count: 60_000))).encode(into: &publish)
        // Until the subscriber's queue is over its limit: the kernel's buffers are full and
        // the engine holds bytes it cannot send.
        var sent = 0
        while server.broker.statistics.qos0Dropped == 0, sent < 4_000 {
            publisher.send(publish)
            sent += 1
        }
        #expect(server.broker.statistics.qos0Dropped > 0)

        let stopping = Task { await server.shutdown(gracePeriod: .seconds(3)) }
        var sawDraining = false
        for _ in 0..<200 where !sawDraining {
            guard let ready = try? Self.get("/health/ready", port: port) else { break } // stopped: admin closed
            if ready == (503, "{\"status\":\"draining\"}") {
                sawDraining = true
                #expect(try Self.get("/health/live", port: port).status == 200)
            } else {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(sawDraining)
        await stopping.value
        #expect(server.health.phase == .stopped)
        #expect(throws: (any Error).self) { try BlockingClient(port: port, timeoutSeconds: 1) }
        subscriber.reset()
        publisher.reset()
    }
}
