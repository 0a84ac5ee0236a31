import ArgumentParser
import Foundation
import NaveNode

/// `nave config check`: the configuration checked as `nave serve` would check it, without
/// starting anything (issue #16). Exit 0 and `configuration OK`, or 1 and every mistake.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a node's configuration.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration (the file and NAVE_* variables) without starting: prints 'configuration OK' or every mistake; exit 0 or 1."
        )

        @Option(name: .long, help: "A YAML configuration file (see Tuning/reference.yaml).")
        var config: String?

        func run() throws {
            _ = try ConfigCommand.resolve(configFile: config, options: nil)
            print("configuration OK")
        }
    }

    /// The configuration from `configFile`, the environment and `serve`'s options; on a
    /// refusal, every problem on stderr and exit status 1.
    static func resolve(configFile: String?, options: Serve?) throws -> (NaveConfiguration, ConfigurationReader) {
        do {
            var source = ConfigurationSource(configFile: configFile, environment: ProcessInfo.processInfo.environment)
            if let options {
                try options.apply(to: &source)
            }
            return try NaveConfiguration.resolve(source)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

extension Serve {
    /// The command-line options as the highest-priority source. `--host`/`--port` replace the
    /// plain listeners with one, taking what they leave out from the first one configured.
    func apply(to source: inout ConfigurationSource) throws(ConfigurationRefused) {
        if host != nil || port != nil {
            let first = try NaveConfiguration.resolve(source).configuration.listeners.first ?? .init(host: "127.0.0.1", port: 1883)
            let host = host ?? first.host
            let address = host.contains(":") ? "[\(host)]:\(port ?? first.port)" : "\(host):\(port ?? first.port)"
            source.override("mqtt.listeners", with: address, option: self.host != nil ? "--host" : "--port")
        }
        if let loops { source.override("io.loops", with: String(loops), option: "--loops") }
        if let dataDir { source.override("dataDirectory", with: dataDir, option: "--data-dir") }
        if let logLevel { source.override("log.level", with: logLevel, option: "--log-level") }
    }
}
