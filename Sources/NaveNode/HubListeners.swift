import Logging
import NaveBroker
import NaveCore
import NaveIO
import NaveServiceAPI

/// Builds the hub's listeners: devices over MQTT/TLS, and HTTPS carrying the REST service API
/// and MQTT over WebSockets (`/$iothub/websocket`, subprotocol `mqtt`, contract §1.1) — both
/// MQTT paths through the same authenticated broker handler.
struct HubListeners {
    let hub: HubServices
    let broker: Broker
    let logger: Logger
    /// h-twins wiring: the hub façade device connections talk to, with the twin service only
    /// (methods and C2D unavailable, telemetry discarded, a scheduler that never fires) until
    /// those services are wired at merge.
    let core: Hub

    init(hub: HubServices, broker: Broker, logger: Logger) {
        self.hub = hub
        self.broker = broker
        self.logger = logger
        core = Hub(registry: hub.registry, hostName: hub.configuration.hostName, clock: hub.clock, scheduler: ManualScheduler(),
                   telemetry: DiscardingTelemetrySink(), twins: hub.twins)
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
                                   twins: hub.twins)
        let service = HTTPService(responder: responder, limits: hub.configuration.http, logger: logger,
                                  webSockets: ["/$iothub/websocket": mqtt])
        return try group.listen(on: address, tls: hub.tls) { service.makeHandler(for: $0) }
    }
}
