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
    /// The hub façade the device listeners carry and the REST API serves C2D from.
    let facade: Hub
    let broker: Broker
    let logger: Logger

    private var deviceGate: ListenerGate {
        ListenerGate(authenticator: HubDeviceAuthenticator(registry: hub.registry, hostName: hub.configuration.hostName, clock: hub.clock), hub: facade)
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
                                   cloudToDevice: facade.cloudToDevice as? CloudToDeviceQueues, telemetry: facade.telemetry)
        let service = HTTPService(responder: responder, limits: hub.configuration.http, logger: logger,
                                  webSockets: ["/$iothub/websocket": mqtt])
        return try group.listen(on: address, tls: hub.tls) { service.makeHandler(for: $0) }
    }
}
