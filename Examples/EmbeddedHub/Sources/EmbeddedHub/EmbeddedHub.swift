import Glibc
import Logging
import NaveCore
import NaveNode
import ServiceLifecycle

/// Runs a hub on loopback ports the kernel picks, and `GET /fleet/summary` on `--http-port`
/// (default 8080), until SIGTERM or SIGINT:
///
///     swift run EmbeddedHub --data-dir /tmp/fleet-hub --http-port 8080
///     curl http://127.0.0.1:8080/fleet/summary
@main
struct EmbeddedHub {
    static func main() async throws {
        let options = CommandLine.arguments
        func value(_ name: String) -> String? { options.firstIndex(of: name).flatMap { options.indices.contains($0 + 1) ? options[$0 + 1] : nil } }
        var logger = Logger(label: "embedded-hub")
        logger.logLevel = .notice

        // 1. A configuration made in code: every listener on a free loopback port.
        var configuration = NaveConfiguration()
        let anyPort = [NaveConfiguration.Listener(host: "127.0.0.1", port: 0)]
        configuration.dataDirectory = value("--data-dir") ?? "./embedded-hub-data"
        configuration.listeners = anyPort
        configuration.hub.mqttListeners = anyPort
        configuration.hub.amqpListeners = anyPort
        configuration.hub.httpsListeners = anyPort
        configuration.lifecycle.drainGraceSeconds = 2

        // 2. The hub's store, registry and certificates; 3. the node over them.
        let resources = try await HubResources.open(configuration, logger: logger)
        let node: NaveServer
        do {
            node = try NaveServer(configuration: configuration, hub: resources, logger: logger)
        } catch {
            await resources.close()
            throw error
        }
        // 4. The program's own service, talking to the hub through its façade.
        let fleet = try FleetSummaryService(hub: node.hub!, port: Int(value("--http-port") ?? "8080") ?? 8080, logger: logger)
        logger.notice("fleet API on http://127.0.0.1:\(fleet.port)/fleet/summary", metadata: ["devices": "\(node.deviceMQTTAddresses)"])

        // 5. Both in one ServiceGroup: SIGTERM drains the node and stops the API.
        let group = ServiceGroup(configuration: .init(services: [.init(service: node), .init(service: fleet)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
