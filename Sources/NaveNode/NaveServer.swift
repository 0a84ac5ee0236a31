import Logging
import NaveBroker
import NaveIO
import NaveServiceAPI
import NaveStore

/// The running node: event loops, the MQTT broker and its listeners, and — with a hub — the
/// device listeners (MQTT over TLS), the HTTPS listeners (REST service API, MQTT over
/// WebSockets) and the hub's store. Start with `init`, stop with `shutdown()`; tests run one
/// in-process on port 0.
public final class NaveServer: Sendable {
    public let configuration: NaveConfiguration
    public let group: EventLoopGroup
    public let broker: Broker
    public let hub: HubServices?
    private let sockets: [ListeningSocket]
    /// The bound HTTPS addresses (port 0 resolved).
    public let httpsAddresses: [SocketAddress]
    /// The bound device MQTT/TLS addresses.
    public let deviceMQTTAddresses: [SocketAddress]
    private let logger: Logger

    /// Validates the configuration, starts the loops and listens. Throws on any invalid limit or
    /// a listener that cannot bind. `hub` (opened with `HubServices.open`) adds the hub's
    /// listeners; the node closes it at shutdown.
    public init(configuration: NaveConfiguration, hub: HubServices? = nil, logger: Logger = Logger(label: "nave")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.hub = hub
        self.logger = logger
        let group = try EventLoopGroup(configuration: configuration.engine, logger: logger)
        self.group = group
        do {
            let broker = try Broker(group: group, configuration: configuration.broker,
                                    engineOutboundBytesMax: configuration.engine.outboundBytesMax, logger: logger)
            self.broker = broker
            var sockets = try configuration.listeners.map { listener in
                try group.listen(on: listener.socketAddress!) { broker.makeHandler(for: $0) }
            }
            var https: [ListeningSocket] = []
            var devices: [ListeningSocket] = []
            if let hub {
                let listeners = HubListeners(hub: hub, facade: hub.makeHub(scheduler: LoopScheduler(loop: group.loops[0])),
                                             broker: broker, logger: logger)
                devices = try hub.configuration.mqttListeners.map { try listeners.listenForDevices(on: $0.socketAddress!, group: group) }
                https = try hub.configuration.httpsListeners.map { try listeners.listenForHTTPS(on: $0.socketAddress!, group: group) }
                sockets += devices + https
                if let rest = https.first {
                    try hub.dataDirectory.advertise(NodeAdvertisement(restAddress: "\(rest.address)", hostName: hub.configuration.hostName))
                }
            }
            self.sockets = sockets
            httpsAddresses = https.map(\.address)
            deviceMQTTAddresses = devices.map(\.address)
        } catch {
            group.shutdownGracefully(gracePeriod: .zero)
            throw error
        }
        logger.info("node started", metadata: [
            "mqttListeners": "\(configuration.listeners)",
            "deviceListeners": "\(deviceMQTTAddresses)",
            "httpsListeners": "\(httpsAddresses)",
            "loops": "\(configuration.engine.loopCount)",
            "routerShards": "\(configuration.broker.routerShardCount ?? configuration.engine.loopCount)",
        ])
    }

    /// The bound plain MQTT addresses (port 0 resolved) first, then the hub's.
    public var listeningAddresses: [SocketAddress] { sockets.map(\.address) }

    /// Stops listening, gives connections `gracePeriod` to flush, stops the loops, closes the hub.
    public func shutdown(gracePeriod: Duration = .seconds(2)) {
        for socket in sockets { socket.close() }
        group.shutdownGracefully(gracePeriod: gracePeriod)
        hub?.close()
        logger.info("node stopped", metadata: ["statistics": "\(broker.statistics)"])
    }
}
