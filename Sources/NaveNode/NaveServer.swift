import Logging
import NaveBroker
import NaveIO

/// The running node: event loops, the MQTT broker and its listeners. Start with `start()`,
/// stop with `shutdown()`; tests run one in-process on port 0.
public final class NaveServer: Sendable {
    public let configuration: NaveConfiguration
    public let group: EventLoopGroup
    public let broker: Broker
    private let sockets: [ListeningSocket]
    private let logger: Logger

    /// Validates the configuration, starts the loops and listens. Throws on any invalid limit or
    /// a listener that cannot bind.
    public init(configuration: NaveConfiguration, logger: Logger = Logger(label: "nave")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        let group = try EventLoopGroup(configuration: configuration.engine, logger: logger)
        self.group = group
        do {
            let broker = try Broker(group: group, configuration: configuration.broker,
                                    engineOutboundBytesMax: configuration.engine.outboundBytesMax, logger: logger)
            self.broker = broker
            sockets = try configuration.listeners.map { listener in
                let address = SocketAddress(host: listener.host, port: listener.port)!
                return try group.listen(on: address) { broker.makeHandler(for: $0) }
            }
        } catch {
            group.shutdownGracefully(gracePeriod: .zero)
            throw error
        }
        logger.info("mqtt broker started", metadata: [
            "listeners": "\(sockets.map { "\($0.address)" })",
            "loops": "\(configuration.engine.loopCount)",
            "routerShards": "\(configuration.broker.routerShardCount ?? configuration.engine.loopCount)",
        ])
    }

    /// The bound addresses (port 0 resolved).
    public var listeningAddresses: [SocketAddress] { sockets.map(\.address) }

    /// Stops listening, gives connections `gracePeriod` to flush, stops the loops.
    public func shutdown(gracePeriod: Duration = .seconds(2)) {
        for socket in sockets { socket.close() }
        group.shutdownGracefully(gracePeriod: gracePeriod)
        logger.info("mqtt broker stopped", metadata: ["statistics": "\(broker.statistics)"])
    }
}
