import Logging
import NaveNode
import ServiceLifecycle

/// Runs a node for `nave serve` in a swift-service-lifecycle `ServiceGroup` and turns signals
/// into its calls (issue #16): SIGHUP reloads (`NaveServer.reload`, and the log level through
/// `reloadLogLevel`); the first SIGTERM or SIGINT starts the group's graceful shutdown, which
/// drains the node for `lifecycle.drainGraceSeconds`; a second one ends the drain at once.
/// Returns once the node has stopped, so the process exits 0.
struct ServeLifecycle {
    let server: NaveServer
    let signals: ServeSignals
    let logger: Logger
    let reloadLogLevel: @Sendable () async -> Void

    func run() async throws {
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask { await dispatchSignals(to: group) }
            // The group returns when the node has drained; the signal loop then ends by cancellation.
            try await tasks.next()
            tasks.cancelAll()
        }
    }

    private func dispatchSignals(to group: ServiceGroup) async {
        var stopping = false
        for await signal in signals.signals {
            switch signal {
            case .reload:
                logger.notice("SIGHUP: reloading")
                server.reload()
                await reloadLogLevel()
            case .stop where !stopping:
                stopping = true
                logger.notice("stop signal: draining", metadata: ["gracePeriodSeconds": "\(server.configuration.lifecycle.drainGraceSeconds)"])
                await group.triggerGracefulShutdown()
            case .stop:
                logger.notice("second stop signal: closing every connection now")
                server.stopDrainingNow()
            }
        }
    }
}
