import ArgumentParser
import NaveModel
import NaveStore

/// What the `nave hub show-…connection-string` commands take: the data directory (it must
/// exist), the policy whose key goes in the string and which of its keys, and the host name.
/// Both read the policy from the data directory's database, also while a node runs on it.
struct ConnectionStringOptions: ParsableArguments {
    @Option(name: .long, help: "The node's data directory; it must exist.") var dataDir = "./nave-data"
    @Option(name: .long, help: "The shared access policy.") var policy = "iothubowner"
    @Option(name: .long, help: "primary or secondary.") var key = "primary"
    @Option(name: .long, help: "The hub host name (default: the running node's, else localhost).") var hostName: String?

    /// The policy, the chosen key, the running node's node.json (nil when none runs) and the
    /// host name: `--host-name`, else the running node's, else localhost.
    struct Resolved {
        var policy: SharedAccessPolicy
        var key: String
        var advertisement: NodeAdvertisement?
        var hostName: String
    }

    func resolve() async throws -> Resolved {
        // Before SQLite, whose error for a missing folder says nothing of --data-dir.
        try DataDirectory.prepare(dataDir, .requireExisting)
        let found = try await StoredPolicies.policy(named: policy, in: dataDir)
        let advertisement = (try? DataDirectory.readAdvertisement(in: dataDir)) ?? nil
        return Resolved(policy: found, key: key == "secondary" ? found.secondaryKey : found.primaryKey,
                        advertisement: advertisement, hostName: hostName ?? advertisement?.hostName ?? "localhost")
    }
}
