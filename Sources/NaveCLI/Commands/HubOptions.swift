import ArgumentParser
import Glibc
import NaveStore

/// Options every admin command takes: where the hub is, as whom, and how to print the result.
/// The short names are `az iot hub`'s (`-l` login, `-n` hub name, `-o` output).
struct HubOptions: ParsableArguments {
    @Option(name: .long, help: "The node's data directory; it must exist (default ./nave-data).")
    var dataDir = "./nave-data"

    @Option(name: [.customShort("l"), .long],
            help: "A service connection string (HostName=host[:port];SharedAccessKeyName=…;SharedAccessKey=…): talk to that node's REST API over HTTPS instead of the data directory.")
    var login: String?

    @Option(name: .long, help: "With --login: the CA that signed the node's certificate (default: DATA-DIR/certs/ca.pem when it exists, else the system's trust store).")
    var caFile: String?

    @Option(name: [.customShort("n"), .long], help: "Accepted for az compatibility and ignored: a node is one hub.")
    var hubName: String?

    @Option(name: .long, help: "The hub host name for printed connection strings (default: the running node's, else localhost).")
    var hostName: String?

    @Option(name: [.customShort("o"), .long], help: "json, jsonc (colored), table or tsv (default: table on a terminal, else json).")
    var output: OutputFormat?

    /// `--output`, else table on a terminal and JSON otherwise.
    var format: OutputFormat { output ?? .standardOutputDefault }

    /// A connection string as plain text, for `$(nave … show-connection-string)`; with an
    /// explicit `-o`, as az prints it, `{"connectionString": …}`.
    func printConnectionString(_ text: String) {
        guard let output else { return print(text) }
        output.print(["connectionString": .string(text)])
    }

    /// `--host-name`, else `--login`'s host, else the running node's (node.json), else localhost.
    var resolvedHostName: String {
        if let hostName { return hostName }
        if let login, let host = try? RemoteHub.Login(parsing: login).hostName { return host }
        return (try? DataDirectory.readAdvertisement(in: dataDir))??.hostName ?? "localhost"
    }

    /// Fails with `DataDirectoryError.missing` unless `dataDir` exists. An admin command never
    /// creates one: a misspelt `--data-dir` would otherwise answer from a new, empty hub.
    func requireDirectory() throws {
        try DataDirectory.prepare(dataDir, .requireExisting)
    }

    /// Whether the command reaches a node over the network: `--login`, or a running node on the
    /// data directory.
    var reachesNode: Bool { login != nil || DataDirectory.isLocked(dataDir) }

    /// With `--login`, the node that string names, over HTTPS (no data directory needed); else
    /// a running node's REST API when the data directory is held by one, else the store.
    func open() async throws -> any HubAccess {
        if let login {
            let defaultCA = dataDir + "/certs/ca.pem"
            return try RemoteHub(login: RemoteHub.Login(parsing: login),
                                 caPath: caFile ?? (access(defaultCA, R_OK) == 0 ? defaultCA : nil))
        }
        try requireDirectory()
        if DataDirectory.isLocked(dataDir) {
            return try await RemoteHub(dataDirectory: dataDir)
        }
        return try await LocalHub(dataDirectory: dataDir)
    }
}
