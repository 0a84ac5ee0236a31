import Logging
import NaveBroker
import NaveCore
import NaveIO
import NaveServiceAPI
import NaveStore

/// Builds the hub's listeners: devices over MQTT/TLS, and HTTPS carrying the REST service API
/// and MQTT over WebSockets (`/$iothub/websocket`, subprotocol `mqtt`, contract §1.1) — both
/// MQTT paths through the same authenticated broker handler, which hands device traffic to one
/// hub façade. The REST API talks to the same façade.
struct HubListeners {
    let resources: HubResources
    let hub: Hub
    let broker: Broker
    let logger: Logger
    private var deviceGate: ListenerGate {
        ListenerGate(authenticator: HubDeviceAuthenticator(registry: hub.registry, hostName: hub.hostName, clock: hub.clock), hub: hub)
    }

    /// Devices over MQTT; `tls` false only for `hub.plainMqttListeners` (same gate, no TLS).
    func listenForDevices(on address: SocketAddress, group: EventLoopGroup, tls: Bool = true) throws -> ListeningSocket {
        let gate = deviceGate
        let broker = broker
        return try group.listen(on: address, tls: tls ? resources.tls : nil) { broker.makeHandler(for: $0, gate: gate) }
    }

    func listenForHTTPS(on address: SocketAddress, group: EventLoopGroup) throws -> ListeningSocket {
        let gate = deviceGate
        let broker = broker
        let mqtt = WebSocketEndpoint(subprotocol: "mqtt", frameBytesMax: broker.maximumPacketBytes + 16) {
            broker.makeHandler(for: $0, gate: gate)
        }
        let responder = ServiceAPI(hub: hub, logger: logger)
        let service = HTTPService(responder: responder, limits: resources.configuration.http, logger: logger,
                                  webSockets: ["/$iothub/websocket": mqtt])
        return try group.listen(on: address, tls: resources.tls) { service.makeHandler(for: $0) }
    }
}
