import ArgumentParser
import NaveCore
import NaveModel
import NaveNode
import NaveStore

/// `nave hub …`: the back end's connection strings and the events endpoint's consumer groups.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hub", abstract: "The hub's own settings.",
                                                    subcommands: [ShowConnectionString.self, ShowEventHubConnectionString.self,
                                                                  GenerateSASToken.self, ConsumerGroupCommand.self])

    struct ShowConnectionString: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show-connection-string",
            abstract: "Print HostName=…;SharedAccessKeyName=…;SharedAccessKey=… for a back end (service SDK, --login).")
        @OptionGroup var options: ConnectionStringOptions

        func run() async throws {
            let resolved = try await options.resolve()
            print("HostName=\(resolved.hostName);SharedAccessKeyName=\(resolved.policy.name);SharedAccessKey=\(resolved.key)")
        }
    }

    /// The built-in events endpoint's Event Hub-compatible connection string, as IoT Hub shows it
    /// under "Built-in endpoints" (contract §6.1), for Event Hubs readers (`azure-eventhub`).
    struct ShowEventHubConnectionString: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show-eventhub-connection-string",
            abstract: "Print Endpoint=sb://…/;SharedAccessKeyName=…;SharedAccessKey=…;EntityPath=… for an Event Hubs reader.")
        @OptionGroup var options: ConnectionStringOptions
        @Option(name: .long, help: "The Event Hub-compatible name (default: the running node's, else the host name's first label).")
        var eventHubName: String?

        func run() async throws {
            let resolved = try await options.resolve()
            // Reading the events endpoint takes ServiceConnect (IoT Hub's permissions table); a
            // string that cannot read is refused here rather than by the reader later.
            guard resolved.policy.rights.contains(.serviceConnect) else {
                throw CommandFailure(description: "policy '\(resolved.policy.name)' lacks ServiceConnect, which reading events needs")
            }
            // No port: a host name's port is the REST API's, and an Event Hubs client takes the
            // one after sb:// as its AMQP port (5671 when none is given).
            let host = resolved.hostName.split(separator: ":", maxSplits: 1).first.map(String.init) ?? resolved.hostName
            let entity = eventHubName ?? resolved.advertisement?.eventHubName ?? Hub.defaultEventHubName(hostName: resolved.hostName)
            print("Endpoint=sb://\(host)/;SharedAccessKeyName=\(resolved.policy.name);SharedAccessKey=\(resolved.key);EntityPath=\(entity)")
        }
    }
}

/// `nave certs init`: the development CA and server certificate in the data directory.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "certs", abstract: "TLS certificates for the hub's listeners.",
                                                    subcommands: [Init.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a development CA and a server certificate (ECDSA P-256, SAN localhost, 127.0.0.1, ::1) in DIR/certs.")
        @Option(name: .long, help: "The node's data directory; created when missing (default ./nave-data, used only if it exists).")
        var dataDir: String?
        @Option(name: .long, help: "The hub host name, added to the certificate's names.") var hostName = "localhost"

        func run() async throws {
            // Like `nave serve`: a directory the user named may be made, the default must exist.
            let dataDir = self.dataDir ?? NaveConfiguration.defaultDataDirectory
            try DataDirectory.prepare(dataDir, self.dataDir == nil ? .requireExisting : .createIfMissing)
            let folder = dataDir + "/certs"
            let (files, created) = try CertificateFiles.ensureDevelopmentSet(in: folder, hostName: hostName)
            print(created ? "Made a development CA and a server certificate." : "The development certificates already exist; kept them.")
            print("CA certificate (give it to SDKs: server_verification_cert, REQUESTS_CA_BUNDLE): \(files.caPath ?? "")")
            print("Server certificate chain: \(files.chainPath)")
            print("Server private key: \(files.keyPath)")
        }
    }
}
