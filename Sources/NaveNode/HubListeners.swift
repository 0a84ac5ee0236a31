import Logging
import NaveAMQP
import NaveBroker
import NaveConsole
import NaveCore
import NaveIO
import NaveServiceAPI
import NaveStore

/// Builds the hub's listeners: devices over MQTT/TLS; AMQP for back ends (the Event
/// Hub-compatible endpoint and C2D, contract §5, §6); and HTTPS carrying the REST service API,
/// MQTT over WebSockets (`/$iothub/websocket`, subprotocol `mqtt`, contract §1.1) and AMQP over
/// WebSockets (`/$servicebus/websocket`, subprotocol `AMQPWSB10`) — every path through one hub
/// façade.
struct HubListeners {
    let resources: HubResources
    let hub: Hub
    let broker: Broker
    let logger: Logger
    /// The AMQP endpoint every AMQP listener and `/$servicebus/websocket` share (one set of
    /// partition owners for the epoch rules).
    let amqp: AMQPHubEndpoint
    /// The console under `/console` (issue #17), shared by every HTTPS listener; nil when off.
    let console: Console?

    init(resources: HubResources, hub: Hub, broker: Broker, logger: Logger) {
        self.resources = resources
        self.hub = hub
        self.broker = broker
        self.logger = logger
        amqp = AMQPHubEndpoint(hub: hub, limits: resources.configuration.amqp, logger: logger)
        console = Self.makeConsole(resources: resources, hub: hub, broker: broker, logger: logger)
    }

    private var deviceGate: ListenerGate {
        ListenerGate(authenticator: HubDeviceAuthenticator(registry: hub.registry, hostName: hub.hostName, clock: hub.clock), hub: hub)
    }

    /// Devices over MQTT; `tls` false only for `hub.plainMqttListeners` (same gate, no TLS).
    func listenForDevices(on address: SocketAddress, group: EventLoopGroup, tls: Bool = true) throws -> ListeningSocket {
        let gate = deviceGate
        let broker = broker
        return try group.listen(on: address, tls: tls ? resources.tls : nil) { broker.makeHandler(for: $0, gate: gate) }
    }

    /// AMQP 1.0 for back ends (5671 over TLS; `tls` false only for `hub.plainAmqpListeners`).
    func listenForAMQP(on address: SocketAddress, group: EventLoopGroup, tls: Bool = true) throws -> ListeningSocket {
        let amqp = amqp
        return try group.listen(on: address, tls: tls ? resources.tls : nil) { amqp.makeHandler(for: $0) }
    }

    func listenForHTTPS(on address: SocketAddress, group: EventLoopGroup) throws -> ListeningSocket {
        let gate = deviceGate
        let broker = broker
        let mqtt = WebSocketEndpoint(subprotocol: "mqtt", frameBytesMax: broker.maximumPacketBytes + 16) {
            broker.makeHandler(for: $0, gate: gate)
        }
        // AMQP over WebSockets (contract §5.1, §6.1): one AMQP frame may span WebSocket frames,
        // so a WebSocket frame needs room for a whole AMQP frame only as a bound.
        let amqp = amqp
        let amqpOverWebSocket = WebSocketEndpoint(subprotocol: "AMQPWSB10", frameBytesMax: resources.configuration.amqp.frameBytesMax + 16) {
            amqp.makeHandler(for: $0)
        }
        let api = ServiceAPI(hub: hub, logger: logger)
        let responder: any HTTPResponder = console.map { ConsoleMount(console: $0, api: api) } ?? api
        var webSockets = ["/$iothub/websocket": mqtt, "/$servicebus/websocket": amqpOverWebSocket]
        if let console {
            // The console's live telemetry (issue #17); only the opening message comes from the browser.
            webSockets[ConsoleTelemetrySocket.path] = WebSocketEndpoint(
                subprotocol: ConsoleTelemetrySocket.subprotocol, frameBytesMax: ConsoleTelemetrySocket.openingBytesMax) {
                ConsoleTelemetrySocketHandler(console: console, connection: $0)
            }
        }
        let service = HTTPService(responder: responder, limits: resources.configuration.http, logger: logger, webSockets: webSockets)
        return try group.listen(on: address, tls: resources.tls) { service.makeHandler(for: $0) }
    }
}
