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
                      EndpointCommand.self, MessageEnrichmentCommand.self, ConfigCommand.self]
    )
}

/// `nave serve`: run the node until SIGTERM or SIGINT, which drain it (`ServeLifecycle`); SIGHUP
/// reloads the general broker's password and ACL files, the TLS certificates and the log level.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a node: the hub (devices on MQTT/TLS 8883, REST and WebSockets on HTTPS 443) and the plain MQTT broker (127.0.0.1:1883).",
        discussion: """
        Settings come from, highest priority first: these options, NAVE_* environment variables \
        (NAVE_MQTT_MAXIMUM_PACKET_BYTES, NAVE_IO_LOOPS, …), the --config YAML file, the defaults. \
        Tuning/reference.yaml lists every key. Unknown keys or variables, values that do not \
        parse and values out of range stop the node before it opens anything.
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

    @Flag(name: .long, help: "Print the configuration in force (every key, its value and where it came from) and exit.")
    var printConfig = false

    func run() async throws {
        // First of all: a SIGHUP or SIGTERM that comes while the node starts is queued, not fatal.
        let signals = ServeSignals()
        let (configuration, reader) = try ConfigCommand.resolve(configFile: config, options: self)
        if printConfig {
            print(reader.effectiveListing)
            return
        }
        let level = RuntimeLogLevel(configuration.logLevel)
        let log = configuration.log
        // The text format's timestamps are local time (swift-log's strftime), and glibc's
        // strftime calls tzset(), which stats /etc/localtime for every line while TZ is unset:
        // a path lookup per access-log line, on the loop thread. ":/etc/localtime" names the
        // same zone and is read once; an operator's own TZ is kept. (Changing the host's zone
        // then needs a restart to show in the logs.)
        if getenv("TZ") == nil { setenv("TZ", ":/etc/localtime", 0) }
        LoggingSystem.bootstrap { label in log.makeHandler(label: label, control: level) }
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
