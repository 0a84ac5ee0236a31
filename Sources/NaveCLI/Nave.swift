import ArgumentParser
import Glibc
import Logging
import NaveNode

@main
struct Nave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nave",
        abstract: "A device hub that speaks Azure IoT Hub's protocols, and a general MQTT 3.1.1 broker.",
        discussion: ExitStatus.helpTable,
        version: NaveVersion.text,
        subcommands: [Serve.self, CertsCommand.self, StorageCommand.self, HubCommand.self, DeviceCommand.self, ModuleCommand.self,
                      TwinCommand.self, QueryCommand.self, MethodCommand.self,
                      CloudToDeviceCommand.self, PolicyCommand.self, MonitorEventsCommand.self, RouteCommand.self,
                      EndpointCommand.self, MessageEnrichmentCommand.self]
    )
}

/// `nave serve`: run the broker until SIGINT or SIGTERM; SIGHUP reloads the general broker's
/// password and ACL files.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a node: the hub (devices on MQTT/TLS 8883, REST and WebSockets on HTTPS 443) and the plain MQTT broker (127.0.0.1:1883).",
        discussion: """
        Settings come from, highest priority first: these options, environment variables \
        (MQTT_MAXIMUM_PACKET_BYTES, IO_LOOPS, …), the --config YAML file, the defaults. \
        Tuning/reference.yaml lists every key.
        """
    )

    @Option(name: .long, help: "A YAML configuration file (see Tuning/reference.yaml).")
    var config: String?

    @Option(name: .long, help: "The data directory: registry database, certificates, events; created when missing (default ./nave-data, used only if it exists).")
    var dataDir: String?

    @Option(name: .long, help: "The plain MQTT listener's address (replaces the configured plain listeners).")
    var host: String?

    @Option(name: .long, help: "The plain MQTT listener's port (replaces the configured plain listeners; 0 picks a free one).")
    var port: Int?

    @Option(name: .long, help: "Event loop threads (default: one per core).")
    var loops: Int?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func run() async throws {
        var configuration = try await NaveConfiguration.load(configFile: config)
        if host != nil || port != nil {
            let first = configuration.listeners.first ?? .init(host: "127.0.0.1", port: 1883)
            configuration.listeners = [.init(host: host ?? first.host, port: port ?? first.port)]
        }
        if let loops { configuration.engine.loopCount = loops }
        if let dataDir { configuration.dataDirectory = dataDir }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
            configuration.logLevel = level
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let stop = StopSignal()
        let logger = Logger(label: "nave")
        let hub = configuration.hub.enabled ? try await HubResources.open(configuration, logger: logger) : nil
        let server: NaveServer
        do {
            server = try NaveServer(configuration: configuration, hub: hub, logger: logger)
        } catch {
            await hub?.close()
            throw error
        }
        stop.wait(onReload: { server.reloadSecurityFiles() })
        await server.shutdown()
    }
}

/// Blocks until SIGINT or SIGTERM, running the reload action at each SIGHUP (as Mosquitto
/// reloads its password and ACL files). The handlers write one byte to a pipe this thread reads
/// (the only async-signal-safe hand-off): the byte says which signal came, and the reload runs
/// here, on the composition root's thread, never in the handler.
final class StopSignal {
    nonisolated(unsafe) static var writeFD: Int32 = -1
    private let readFD: Int32
    private static let stopByte: UInt8 = 1
    private static let reloadByte: UInt8 = 2

    init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        readFD = fds[0]
        Self.writeFD = fds[1]
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in
                var byte = StopSignal.stopByte
                _ = Glibc.write(StopSignal.writeFD, &byte, 1)
            }
        }
        signal(SIGHUP) { _ in
            var byte = StopSignal.reloadByte
            _ = Glibc.write(StopSignal.writeFD, &byte, 1)
        }
    }

    func wait(onReload reload: () -> Void) {
        while true {
            var byte: UInt8 = 0
            let count = Glibc.read(readFD, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1, byte == Self.reloadByte else { return }
            reload()
        }
    }
}
