import Logging
import NaveBroker
import NaveCore
import NaveIO
import NaveServiceAPI

/// Builds the hub's listeners: devices over MQTT/TLS, and HTTPS carrying the REST service API
/// and MQTT over WebSockets (`/$iothub/websocket`, subprotocol `mqtt`, contract §1.1) — both
/// MQTT paths through the same authenticated broker handler, which hands device traffic to one
/// hub façade (`core`). Its direct methods time out on loop 0's timing wheel; telemetry is
/// discarded until the events endpoint is wired.
struct HubListeners {
    let hub: HubServices
    let broker: Broker
    let logger: Logger
    /// Direct methods, shared by the device listeners (answers) and the REST API (calls).
    let methods: DirectMethods
    /// The hub façade the device listeners hand device traffic to.
    let core: Hub

    init(hub: HubServices, broker: Broker, group: EventLoopGroup, logger: Logger) {
        self.hub = hub
        self.broker = broker
        self.logger = logger
        let scheduler = LoopScheduler(loop: group.loops[0])
        methods = DirectMethods(registry: hub.registry, scheduler: scheduler, random: SystemRandom())
        core = Hub(registry: hub.registry, hostName: hub.configuration.hostName, clock: hub.clock, scheduler: scheduler,
                   telemetry: DiscardingTelemetrySink(), methods: methods)
    }

    private var deviceGate: ListenerGate {
        ListenerGate(authenticator: HubDeviceAuthenticator(registry: hub.registry, hostName: hub.configuration.hostName, clock: hub.clock),
                     hub: core)
    }

    func listenForDevices(on address: SocketAddress, group: EventLoopGroup) throws -> ListeningSocket {
        let gate = deviceGate
        let broker = broker
        return try group.listen(on: address, tls: hub.tls) { broker.makeHandler(for: $0, gate: gate) }
    }

    func listenForHTTPS(on address: SocketAddress, group: EventLoopGroup) throws -> ListeningSocket {
        let gate = deviceGate
        let broker = broker
        let mqtt = WebSocketEndpoint(subprotocol: "mqtt", frameBytesMax: broker.maximumPacketBytes + 16) {
            broker.makeHandler(for: $0, gate: gate)
        }
        let responder = ServiceAPI(registry: hub.registry, hostName: hub.configuration.hostName, clock: hub.clock, logger: logger,
                                   methods: methods)
        let service = HTTPService(responder: responder, limits: hub.configuration.http, logger: logger,
                                  webSockets: ["/$iothub/websocket": mqtt])
        return try group.listen(on: address, tls: hub.tls) { service.makeHandler(for: $0) }
    }
}
