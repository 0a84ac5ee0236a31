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

/// `nave serve`: run the node until SIGTERM or SIGINT, which drain it (`ServeLifecycle`); SIGHUP
/// reloads the general broker's password and ACL files, the TLS certificates and the log level.
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
        // First of all: a SIGHUP or SIGTERM that comes while the node starts is queued, not fatal.
        let signals = ServeSignals()
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
        let level = RuntimeLogLevel(configuration.logLevel)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .trace  // `level` decides, and SIGHUP may change it
            return LevelControlledLogHandler(handler, control: level)
        }
        let logger = Logger(label: "nave")
        let hub = configuration.hub.enabled ? try await HubResources.open(configuration, logger: logger) : nil
        let server: NaveServer
        do {
            server = try NaveServer(configuration: configuration, hub: hub, logger: logger)
        } catch {
            await hub?.close()
            throw error
        }
        let lifecycle = ServeLifecycle(server: server, signals: signals, logger: logger) { [config, logLevel] in
            await Self.reloadLogLevel(into: level, configFile: config, fixedByOption: logLevel != nil, logger: logger)
        }
        try await lifecycle.run()
    }

    /// SIGHUP's log level: `log.level` read again from the file and the environment, unless
    /// `--log-level` fixed it. A file that no longer loads keeps the level in force.
    static func reloadLogLevel(into level: RuntimeLogLevel, configFile: String?, fixedByOption: Bool, logger: Logger) async {
        guard !fixedByOption else { return }
        do {
            let fresh = try await NaveConfiguration.load(configFile: configFile).logLevel
            if fresh != level.level {
                level.level = fresh
                logger.notice("log level reloaded", metadata: ["level": "\(fresh)"])
            }
        } catch {
            logger.error("log level not reloaded; the configuration does not load", metadata: ["reason": "\(error)"])
        }
    }
}
