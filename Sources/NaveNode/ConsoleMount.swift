import Logging
import Synchronization
import NaveBroker
import NaveConsole
import NaveCore
import NaveHTTP
import NaveServiceAPI

/// The HTTPS listener's responder with the console mounted (issue #17): `/console` and below
/// go to the console, everything else to the REST API as before. The console answers small
/// bodies only, so streaming stays the REST API's.
struct ConsoleMount: HTTPResponder {
    let console: Console
    let api: ServiceAPI

    func respond(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPResponse {
        if Console.serves(request.head.path) { return await console.respond(to: request) }
        return await api.respond(to: request, from: peer)
    }

    func reply(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPReply {
        if Console.serves(request.head.path) { return HTTPReply(await console.respond(to: request)) }
        return await api.reply(to: request, from: peer)
    }

    func refusal(for error: HTTPDecodeError) -> HTTPResponse { api.refusal(for: error) }

    func streamedBodyBytesMax(for head: HTTPRequestHead) -> Int? {
        Console.serves(head.path) ? nil : api.streamedBodyBytesMax(for: head)
    }

    func beginStream(_ head: HTTPRequestHead, from peer: HTTPPeer) -> HTTPBodyStreamStart {
        api.beginStream(head, from: peer)
    }

    func metricRoute(for head: HTTPRequestHead) -> String? {
        Console.serves(head.path) ? nil : api.metricRoute(for: head)
    }
}

extension HubListeners {
    /// The node's one console (its sessions are shared by every HTTPS listener), or nil when
    /// `console.enabled` is off.
    static func makeConsole(resources: HubResources, hub: Hub, broker: Broker, logger: Logger) -> Console? {
        let limits = resources.configuration.console
        guard limits.enabled else { return nil }
        let configuration = resources.configuration
        let node = ConsoleNode(
            listeners: configuration.httpsListeners.map { .init(name: "HTTPS (REST, WebSockets, console)", address: "\($0)") }
                + configuration.mqttListeners.map { .init(name: "MQTT over TLS (devices)", address: "\($0)") }
                + configuration.plainMqttListeners.map { .init(name: "MQTT, plain (devices)", address: "\($0)") }
                + configuration.amqpListeners.map { .init(name: "AMQP over TLS", address: "\($0)") }
                + configuration.plainAmqpListeners.map { .init(name: "AMQP, plain", address: "\($0)") },
            configuration: [
                ("hub.hostName", configuration.hostName), ("hub.eventHubName", hub.eventHubName),
                ("dataDirectory", resources.dataDirectory.path),
                ("https.requestBodyBytesMax", "\(configuration.http.requestBodyBytesMax)"),
                ("amqp.frameBytesMax", "\(configuration.amqp.frameBytesMax)"),
                ("mqtt.maximumPacketBytes", "\(broker.maximumPacketBytes)"),
                ("console.sessionLifetimeSeconds", "\(limits.sessionLifetimeSeconds)"),
                ("console.sampleIntervalSeconds", "\(limits.sampleIntervalSeconds)"),
            ],
            metrics: ConsoleMetrics(samplesMax: limits.samplesMax))
        return Console(hub: hub, random: resources.random, limits: limits, node: node, logger: logger)
    }

    /// Samples what the node counts (issue #17's node page): connected devices, the MQTT
    /// broker's messages in and out, the event log's records, group commits (one fdatasync
    /// each) and their mean fdatasync time, and the C2D queue's and feedback queue's depths.
    /// Runs until the task is cancelled at shutdown.
    static func sampleMetrics(of console: Console, resources: HubResources, hub: Hub, broker: Broker, scheduler: any HubScheduler) async {
        let fsync = MeanSinceLastSample()
        await console.node.metrics.run(every: resources.configuration.console.sampleIntervalSeconds, clock: hub.clock, scheduler: scheduler) {
            let statistics = broker.statistics
            let log = resources.events.statistics
            let syncs = resources.events.histograms.fsyncSeconds
            let cloudToDevice = await hub.cloudToDevice.statistics()
            return [
                .init(name: "Connected devices", value: Double(hub.connections.connectedDeviceCount), isCounter: false),
                .init(name: "Telemetry records stored", value: Double(log.recordsCommitted), isCounter: true),
                .init(name: "Event log fsyncs (group commits)", value: Double(log.groupCommits), isCounter: true),
                .init(name: "Event log fsync, mean ms", value: fsync.next(sum: syncs.sum * 1_000, count: syncs.count), isCounter: false),
                .init(name: "C2D messages queued", value: Double(cloudToDevice.queued), isCounter: false),
                .init(name: "MQTT messages received", value: Double(statistics.messagesReceived), isCounter: true),
                .init(name: "MQTT messages delivered", value: Double(statistics.messagesDelivered), isCounter: true),
                .init(name: "MQTT sessions", value: Double(statistics.sessions), isCounter: false),
                .init(name: "C2D feedback queued", value: Double(hub.cloudToDevice.feedback.count), isCounter: false),
            ]
        }
    }
}

/// The mean of what a cumulative sum and count gained since the previous call (the fdatasync
/// time per group commit over one sample interval); 0 when nothing was observed.
final class MeanSinceLastSample: Sendable {
    private let previous = Mutex((sum: 0.0, count: 0))

    func next(sum: Double, count: Int) -> Double {
        previous.withLock { last in
            defer { last = (sum, count) }
            let observed = count - last.count
            return observed > 0 ? (sum - last.sum) / Double(observed) : 0
        }
    }
}
