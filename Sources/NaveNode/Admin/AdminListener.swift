import Logging
import NaveIO
import NaveServiceAPI

/// The admin endpoints' listener (`admin.listeners`), served by a one-loop group of its own
/// with the REST API's HTTP/1.1 handler (`HTTPService`). A group of its own because the
/// engine's drain closes every listener of a group at once (`EventLoop.beginDraining`), while
/// `/health/ready` must still answer 503 during the drain: `NaveServer.shutdown` closes this
/// group last. The loop also runs the scrape's timeout (`LoopGather`).
final class AdminListener: Sendable {
    let group: EventLoopGroup
    let sockets: [ListeningSocket]

    /// Binds every address, or throws (and leaves nothing running).
    init(configuration: AdminConfiguration, engine: EventLoopConfiguration, responder: AdminResponder, logger: Logger) throws {
        var engine = engine
        engine.loopCount = 1
        engine.pinThreadsToCPUs = false
        engine.receiveBufferCount = 16
        let group = try EventLoopGroup(configuration: engine, logger: logger)
        self.group = group
        do {
            let service = HTTPService(responder: responder, limits: HTTPConnectionLimits(), logger: logger)
            sockets = try configuration.listeners.map { listener in
                try group.listen(on: listener.socketAddress!) { service.makeHandler(for: $0) }
            }
        } catch {
            group.shutdownGracefully(gracePeriod: .zero)
            throw error
        }
    }

    var timerLoop: EventLoop { group.loops[0] }

    /// Closes the listener and its connections; the node's last step of shutdown.
    func close() {
        group.shutdownGracefully(gracePeriod: .zero)
    }
}
