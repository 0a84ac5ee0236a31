import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `nave hub consumer-group …` and `nave hub show-eventhub-connection-string` (issue #13), run as
/// the real binary: on a data directory no node holds (the store directly), and through a
/// running node's REST API.
@Suite("CLI: consumer groups and the Event Hub-compatible connection string")
struct ConsumerGroupCommandTests {
    /// A data directory made by `certs init`, whose first admin command creates the policies.
    static func dataDirectory() async throws -> ScratchDirectory {
        let scratch = try ScratchDirectory()
        let made = try await NaveProcess.run(["certs", "init", "--data-dir", "./nave-data"], in: scratch.path)
        #expect(made.status == 0, "\(made.standardError)")
        return scratch
    }

    /// Runs `nave arguments` and returns its standard output as JSON (failing on a non-zero exit).
    static func json(_ arguments: [String], in directory: String) async throws -> Any {
        let outcome = try await NaveProcess.run(arguments, in: directory)
        #expect(outcome.status == 0, "\(arguments): \(outcome.standardError)")
        return try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))
    }

    static func names(in directory: String) async throws -> [String] {
        (try await json(["hub", "consumer-group", "list"], in: directory) as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
    }

    /// The create, list, refuse and delete round every way of reaching the hub must give.
    static func exerciseConsumerGroups(in directory: String) async throws {
        #expect(try await names(in: directory) == ["$Default"])
        let created = try await json(["hub", "consumer-group", "create", "Analytics"], in: directory) as? [String: Any]
        #expect(created?["name"] as? String == "Analytics" && (created?["createdAt"] as? String)?.hasSuffix("Z") == true)
        #expect(try await names(in: directory) == ["$Default", "Analytics"])
        let refusals: [([String], String)] = [
            (["create", "analytics"], "already exists"), (["create", "no/slash"], "letters, digits"),
            (["delete", "$Default"], "cannot be deleted"), (["delete", "ghost"], "does not exist"),
        ]
        for (arguments, message) in refusals {
            let outcome = try await NaveProcess.run(["hub", "consumer-group"] + arguments, in: directory)
            #expect(outcome.status != 0 && outcome.standardError.contains(message), "\(arguments): \(outcome.standardError)")
        }
        let deleted = try await NaveProcess.run(["hub", "consumer-group", "delete", "ANALYTICS"], in: directory)
        #expect(deleted.status == 0 && deleted.standardOutput.isEmpty, "\(deleted.standardError)")
        #expect(try await names(in: directory) == ["$Default"])
    }

    /// The primary (or secondary) key of `policy` as `nave policy list` shows it.
    static func key(of policy: String, slot: String = "primaryKey", in directory: String) async throws -> String {
        let policies = try await json(["policy", "list"], in: directory) as? [[String: Any]]
        return try #require(policies?.first { $0["keyName"] as? String == policy }?[slot] as? String)
    }

    @Test("without a node: list, create, delete in the store, with the hub's refusals; the groups stay for the next command")
    func local() async throws {
        let scratch = try await Self.dataDirectory()
        defer { scratch.remove() }
        try await Self.exerciseConsumerGroups(in: scratch.path)
        _ = try await Self.json(["hub", "consumer-group", "create", "kept"], in: scratch.path)
        #expect(try await Self.names(in: scratch.path) == ["$Default", "kept"])
    }

    @Test("show-eventhub-connection-string: Endpoint, the policy's key, EntityPath from the host name; --key, --host-name, --event-hub-name")
    func eventHubConnectionString() async throws {
        let scratch = try await Self.dataDirectory()
        defer { scratch.remove() }
        let owner = try await Self.key(of: "iothubowner", in: scratch.path)
        let plain = try await NaveProcess.run(["hub", "show-eventhub-connection-string"], in: scratch.path)
        #expect(plain.status == 0, "\(plain.standardError)")
        #expect(plain.standardOutput == "Endpoint=sb://localhost/;SharedAccessKeyName=iothubowner;SharedAccessKey=\(owner);EntityPath=localhost\n")

        let service = try await Self.key(of: "service", slot: "secondaryKey", in: scratch.path)
        let chosen = try await NaveProcess.run(["hub", "show-eventhub-connection-string", "--policy", "service", "--key", "secondary",
                                                "--host-name", "MyHub.example.net:8443"], in: scratch.path)
        #expect(chosen.standardOutput == "Endpoint=sb://MyHub.example.net/;SharedAccessKeyName=service;SharedAccessKey=\(service);EntityPath=myhub\n",
                "no REST port after sb://; the name is the host's first label, lower-cased")
        let named = try await NaveProcess.run(["hub", "show-eventhub-connection-string", "--event-hub-name", "telemetry"], in: scratch.path)
        #expect(named.standardOutput.hasSuffix(";EntityPath=telemetry\n"))

        for (policy, message) in [("registryRead", "lacks ServiceConnect"), ("ghost", "no shared access policy 'ghost'")] {
            let refused = try await NaveProcess.run(["hub", "show-eventhub-connection-string", "--policy", policy], in: scratch.path)
            #expect(refused.status != 0 && refused.standardOutput.isEmpty && refused.standardError.contains(message), "\(refused.standardError)")
        }
    }

    @Test("with a node running: the same through its REST API, and the connection string names the node's host and event hub")
    func remote() async throws {
        let scratch = try await Self.dataDirectory()
        defer { scratch.remove() }
        let config = try DataDirectoryCommandTests.loopbackConfig(hubSettings: ["eventHubName: telemetry"])
        defer { config.remove() }
        let (process, errors, advertised) = try await NaveProcess.startNode(
            ["--config", config.path + "/nave.yaml", "--port", "0"], in: scratch.path, logsIn: config.path,
            advertisement: scratch.path + "/nave-data/node.json")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        #expect(advertised, "\((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")

        try await Self.exerciseConsumerGroups(in: scratch.path)
        let owner = try await Self.key(of: "iothubowner", in: scratch.path)
        let string = try await NaveProcess.run(["hub", "show-eventhub-connection-string"], in: scratch.path)
        #expect(string.standardOutput == "Endpoint=sb://localhost/;SharedAccessKeyName=iothubowner;SharedAccessKey=\(owner);EntityPath=telemetry\n",
                "\(string.standardError)")
        _ = try await Self.json(["hub", "consumer-group", "create", "survives"], in: scratch.path)
        process.terminate()
        #expect(await NaveProcess.waitForExit(process, seconds: 20))
        #expect(try await Self.names(in: scratch.path) == ["$Default", "survives"], "what the node stored, read without it")
    }
}
