import ArgumentParser
import NaveModel
import NaveNode
import NaveStore

/// `nave hub show-connection-string`: the back end's connection string.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hub", abstract: "The hub's own settings.",
                                                    subcommands: [ShowConnectionString.self])

    struct ShowConnectionString: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show-connection-string",
            abstract: "Print HostName=…;SharedAccessKeyName=…;SharedAccessKey=… for a back end (service SDK, --login).")
        @Option(name: .long, help: "The node's data directory; it must exist.") var dataDir = "./nave-data"
        @Option(name: .long, help: "The shared access policy.") var policy = "iothubowner"
        @Option(name: .long, help: "primary or secondary.") var key = "primary"
        @Option(name: .long, help: "The hub host name (default: the running node's, else localhost).") var hostName: String?

        func run() async throws {
            // Before SQLite, whose error for a missing folder says nothing of --data-dir.
            try DataDirectory.prepare(dataDir, .requireExisting)
            let found = try await StoredPolicies.policy(named: policy, in: dataDir)
            let host = hostName ?? (try? DataDirectory.readAdvertisement(in: dataDir))??.hostName ?? "localhost"
            print("HostName=\(host);SharedAccessKeyName=\(found.name);SharedAccessKey=\(key == "secondary" ? found.secondaryKey : found.primaryKey)")
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
