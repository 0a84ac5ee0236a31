import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Which `nave` commands may create a data directory (issue #11). A misspelt `--data-dir` on an
/// admin command used to answer `[]` from an empty store it had just made; a `nave serve` started
/// in the wrong folder used to grow a hub (CA key included) there. Now only a directory the user
/// named for `serve` or `certs init` is created; everything else refuses and leaves no trace.
@Suite("CLI: data directory")
struct DataDirectoryCommandTests {
    /// Every admin command, with the arguments it needs to get as far as opening the hub.
    static let adminCommands: [[String]] = [
        ["device", "list"], ["device", "show", "--device-id", "d"], ["device", "create", "--device-id", "d"],
        ["device", "show-connection-string", "--device-id", "d"], ["twin", "show", "--device-id", "d"],
        ["policy", "list"], ["hub", "show-connection-string"], ["hub", "show-eventhub-connection-string"],
        ["hub", "consumer-group", "list"], ["hub", "consumer-group", "create", "g"], ["hub", "consumer-group", "delete", "g"],
        ["c2d", "purge", "--device-id", "d"],
        ["method", "invoke", "--device-id", "d", "--method-name", "m"], ["monitor-events", "--timeout", "1"],
    ]

    @Test("an admin command on a misspelt --data-dir fails, names the directory and creates nothing",
          arguments: adminCommands)
    func misspeltDirectory(_ command: [String]) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let outcome = try await NaveProcess.run(command + ["--data-dir", "./nave-dta"], in: scratch.path)
        #expect(outcome.status != 0)
        #expect(outcome.standardOutput.isEmpty, "printed \(outcome.standardOutput)")
        #expect(outcome.standardError.contains("no data directory at ./nave-dta"), "\(outcome.standardError)")
        #expect(try scratch.contents() == [])
    }

    @Test("an admin command without --data-dir, where ./nave-data is missing, fails and creates nothing",
          arguments: adminCommands)
    func missingDefault(_ command: [String]) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let outcome = try await NaveProcess.run(command, in: scratch.path)
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("no data directory at ./nave-data"), "\(outcome.standardError)")
        #expect(try scratch.contents() == [])
    }

    @Test("certs init --data-dir makes the named directory and the development certificates")
    func certsInitCreates() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let outcome = try await NaveProcess.run(["certs", "init", "--data-dir", "./fresh/data"], in: scratch.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/fresh/data/certs/ca.pem"))
        // The directory is private like one a node makes: it holds the CA's key.
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.path + "/fresh/data")
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test("certs init without --data-dir, where ./nave-data is missing, refuses")
    func certsInitWithoutDirectory() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let outcome = try await NaveProcess.run(["certs", "init"], in: scratch.path)
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("no data directory at ./nave-data"), "\(outcome.standardError)")
        #expect(try scratch.contents() == [])
    }

    @Test("an admin command on an existing directory works, with or without --data-dir")
    func existingDirectory() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let made = try await NaveProcess.run(["certs", "init", "--data-dir", "./nave-data"], in: scratch.path)
        #expect(made.status == 0, "\(made.standardError)")
        for arguments in [["device", "list", "--data-dir", "./nave-data"], ["device", "list"]] {
            let outcome = try await NaveProcess.run(arguments, in: scratch.path)
            #expect(outcome.status == 0, "\(arguments): \(outcome.standardError)")
            #expect(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        }
    }

    @Test("serve without --data-dir, where ./nave-data is missing, refuses before listening")
    func serveWithoutDirectory() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let config = try Self.loopbackConfig()
        defer { config.remove() }
        let outcome = try await NaveProcess.run(["serve", "--config", config.path + "/nave.yaml", "--port", "0"], in: scratch.path)
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("no data directory at ./nave-data"), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("--data-dir"))
        #expect(try scratch.contents() == [])
    }

    @Test("serve --data-dir makes the named directory and runs a hub on it")
    func serveCreates() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let config = try Self.loopbackConfig()
        defer { config.remove() }
        // node.json appears once the REST listener is up: the hub opened its new directory.
        let (process, errors, advertised) = try await NaveProcess.startNode(
            ["--config", config.path + "/nave.yaml", "--port", "0", "--data-dir", "./new-hub"],
            in: scratch.path, logsIn: config.path, advertisement: scratch.path + "/new-hub/node.json")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let log = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(advertised, "\(log)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/new-hub/nave.sqlite"))
        #expect(try scratch.contents() == ["new-hub"])
        process.terminate()
        #expect(await NaveProcess.waitForExit(process, seconds: 20))
    }

    /// A YAML file (in its own scratch directory) that puts every listener on a free loopback
    /// port, so the node never fights another test or a real node for 1883, 8883 or 443, and
    /// turns the admin listener off (two nodes of parallel tests would both want 9600).
    /// `hubSettings` are more `hub:` lines, indented as they go.
    static func loopbackConfig(hubSettings: [String] = []) throws -> ScratchDirectory {
        let directory = try ScratchDirectory()
        let yaml = """
            io:
              loops: 1
            log:
              level: info
            admin:
              listeners: []
            hub:
              mqttListeners: ["127.0.0.1:0"]
              httpsListeners: ["127.0.0.1:0"]
              amqpListeners: ["127.0.0.1:0"]

            """ + hubSettings.map { "  \($0)\n" }.joined()
        try yaml.write(toFile: directory.path + "/nave.yaml", atomically: true, encoding: .utf8)
        return directory
    }
}
