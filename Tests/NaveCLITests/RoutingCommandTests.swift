import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `nave endpoint …`, `nave route …` and `nave message-enrichment …` (issue #15), run as the real
/// binary: on a data directory no node holds (the store directly), and through a running node.
@Suite("CLI: message routing")
struct RoutingCommandTests {
    typealias CG = ConsumerGroupCommandTests

    /// The round every way of reaching the hub must give: entries made, tested, refused, removed.
    static func exerciseRouting(in directory: String) async throws {
        let endpoint = try await CG.json(["endpoint", "create", "--endpoint-name", "hot", "--endpoint-type", "eventhub",
                                          "--partition-count", "2"], in: directory) as? [String: Any]
        #expect(endpoint?["endpointType"] as? String == "eventhub")
        let route = try await CG.json(["route", "create", "--route-name", "crit", "--endpoint-name", "hot",
                                       "--condition", "level = 'critical'"], in: directory) as? [String: Any]
        #expect(route?["source"] as? String == "DeviceMessages" && route?["isEnabled"] as? Bool == true)
        _ = try await CG.json(["message-enrichment", "create", "--key", "site", "--value", "$twin.tags.site", "--endpoint-names", "hot,events"],
                              in: directory)
        let tested = try await CG.json(["route", "test", "--app-property", "level=critical"], in: directory) as? [String: Any]
        #expect(tested?["endpoints"] as? [String] == ["hot"])
        #expect((tested?["routes"] as? [[String: Any]])?.first?["result"] as? String == "matched")
        let other = try await CG.json(["route", "test", "--app-property", "level=low"], in: directory) as? [String: Any]
        #expect(other?["endpoints"] as? [String] == ["events"] && other?["viaFallback"] as? Bool == true)
        let updated = try await CG.json(["route", "update", "--route-name", "crit", "--enabled", "false"], in: directory) as? [String: Any]
        #expect(updated?["isEnabled"] as? Bool == false && updated?["condition"] as? String == "level = 'critical'")
        _ = try await CG.json(["route", "fallback", "--enabled", "false"], in: directory)

        let refusals: [([String], String)] = [
            (["route", "create", "--route-name", "x", "--endpoint-name", "nowhere"], "'nowhere', which does not exist"),
            (["route", "create", "--route-name", "x", "--endpoint-name", "hot", "--condition", "level = "], "does not parse"),
            (["route", "create", "--route-name", "crit", "--endpoint-name", "hot"], "already exists"),
            (["endpoint", "create", "--endpoint-name", "s", "--endpoint-type", "storage"], "needs a directory"),
            (["endpoint", "delete", "--endpoint-name", "hot"], "used by route 'crit'"),
            (["route", "show", "--route-name", "ghost"], "No route named 'ghost'"),
        ]
        for (arguments, message) in refusals {
            let outcome = try await NaveProcess.run(arguments, in: directory)
            #expect(outcome.status != 0 && outcome.standardError.contains(message), "\(arguments): \(outcome.standardError)")
        }
        for arguments in [["route", "delete", "--route-name", "crit"], ["message-enrichment", "delete", "--key", "site"],
                          ["endpoint", "delete", "--endpoint-name", "hot"]] {
            let outcome = try await NaveProcess.run(arguments, in: directory)
            #expect(outcome.status == 0 && outcome.standardOutput.isEmpty, "\(arguments): \(outcome.standardError)")
        }
        #expect((try await CG.json(["endpoint", "list"], in: directory) as? [Any])?.isEmpty == true)
        _ = try await CG.json(["route", "create", "--route-name", "kept", "--endpoint-name", "events"], in: directory)
    }

    /// `nave serve` on `scratch`'s data directory with `config`, once it advertises its REST address.
    static func startNode(in scratch: ScratchDirectory, config: ScratchDirectory) async throws -> Process {
        let (process, errors, advertised) = try await NaveProcess.startNode(
            ["--config", config.path + "/nave.yaml", "--port", "0"], in: scratch.path, logsIn: config.path,
            advertisement: scratch.path + "/nave-data/node.json")
        #expect(advertised, "\((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
        return process
    }

    @Test("without a node: entries stored, tested and refused as a node would")
    func local() async throws {
        let scratch = try await CG.dataDirectory()
        defer { scratch.remove() }
        try await Self.exerciseRouting(in: scratch.path)
        let routes = try await CG.json(["route", "list"], in: scratch.path) as? [[String: Any]]
        #expect(routes?.map { $0["name"] as? String } == ["kept"])
    }

    @Test("with a node running: the same through its REST API, and what it stored is there after it stops")
    func remote() async throws {
        let scratch = try await CG.dataDirectory()
        defer { scratch.remove() }
        let config = try DataDirectoryCommandTests.loopbackConfig(hubSettings: [])
        defer { config.remove() }
        let process = try await Self.startNode(in: scratch, config: config)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        try await Self.exerciseRouting(in: scratch.path)
        // Only a running node checks what it will call: a webhook's URL must name a host.
        let hostless = try await NaveProcess.run(["endpoint", "create", "--endpoint-name", "w", "--endpoint-type", "webhook",
                                                  "--url", "http://bad host/x"], in: scratch.path)
        #expect(hostless.status != 0 && hostless.standardError.contains("host name or IP address"), "\(hostless.standardError)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/nave-data/endpoints/hot"),
                "the deleted eventhub endpoint's log went with it")
        process.terminate()
        #expect(await NaveProcess.waitForExit(process, seconds: 20))
        let routes = try await CG.json(["route", "list"], in: scratch.path) as? [[String: Any]]
        #expect(routes?.map { $0["name"] as? String } == ["kept"])
        let fallback = try await CG.json(["route", "test"], in: scratch.path) as? [String: Any]
        #expect(fallback?["endpoints"] as? [String] == ["events"], "route 'kept' sends everything to events")
    }

    @Test("hub.routingFile: a fixed setup applied at start; one that does not validate stops the start")
    func routingFile() async throws {
        let scratch = try await CG.dataDirectory()
        defer { scratch.remove() }
        let file = scratch.path + "/routing.json"
        try #"{"routes":[{"name":"fixed","condition":"level = 'critical'","endpointNames":["hot"]}],"endpoints":[{"name":"hot","endpointType":"eventhub"}],"fallbackRoute":{"isEnabled":false}}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let config = try DataDirectoryCommandTests.loopbackConfig(hubSettings: ["routingFile: \(file)"])
        defer { config.remove() }
        let process = try await Self.startNode(in: scratch, config: config)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let routes = try await CG.json(["route", "list"], in: scratch.path) as? [[String: Any]]
        #expect(routes?.map { $0["name"] as? String } == ["fixed"])
        let tested = try await CG.json(["route", "test"], in: scratch.path) as? [String: Any]
        #expect(tested?["endpoints"] as? [String] == [], "the file turned the fallback off")
        process.terminate()
        #expect(await NaveProcess.waitForExit(process, seconds: 20))

        try #"{"routes":[{"name":"bad","condition":"level = ","endpointNames":["events"]}]}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let (refused, refusedErrors, _) = try await NaveProcess.startNode(
            ["--config", config.path + "/nave.yaml", "--port", "0"], in: scratch.path, logsIn: config.path,
            advertisement: scratch.path + "/nave-data/none.json")
        #expect(await NaveProcess.waitForExit(refused, seconds: 20))
        #expect(refused.terminationStatus != 0)
        #expect(((try? String(contentsOfFile: refusedErrors, encoding: .utf8)) ?? "").contains("does not parse"))
    }
}
