import ArgumentParser
import Foundation
import Glibc
import Logging
import NaveNode

@main
struct Nave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nave",
        abstract: "A device hub that speaks Azure IoT Hub's protocols, and a general MQTT 3.1.1 broker.",
        subcommands: [Serve.self, CertsCommand.self, StorageCommand.self, HubCommand.self, DeviceCommand.self, TwinCommand.self, QueryCommand.self, MethodCommand.self,
                      CloudToDeviceCommand.self, PolicyCommand.self, MonitorEventsCommand.self, RouteCommand.self,
                      EndpointCommand.self, MessageEnrichmentCommand.self, ConfigCommand.self]
    )

    /// ArgumentParser's own entry, except that a usage mistake exits with 2 (issue #16's
    /// documented codes: 0 ok, 1 failure, 2 usage) rather than sysexits' 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// `nave serve`: run the broker until SIGINT or SIGTERM; SIGHUP reloads the general broker's
/// password and ACL files.
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
        let (configuration, reader) = try ConfigCommand.resolve(configFile: config, options: self)
        if printConfig {
            print(reader.effectiveListing)
            return
        }
        let log = configuration.log
        LoggingSystem.bootstrap { label in log.makeHandler(label: label) }
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
