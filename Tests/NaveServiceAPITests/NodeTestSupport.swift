import Foundation
import Glibc
import NaveAuth
import NaveCore
import NaveIO
import NaveModel
import NaveNode

/// A whole node in-process: the hub opened on a fresh data directory, device MQTT/TLS, HTTPS
/// and plain MQTT listeners on 127.0.0.1 port 0, and the Python wire client to talk to it.
/// `stop()` shuts the node down; `removeDirectory()` deletes the data directory.
final class TestNode {
    let directory: String
    let server: NaveServer
    let python: PythonWireClient

    var hub: HubResources { server.resources! }
    var registry: IdentityRegistry { hub.registry }
    var httpsPort: Int { server.httpsAddresses[0].port }
    var mqttPort: Int { server.deviceMQTTAddresses[0].port }
    var caPath: String { hub.certificates.caPath! }

    static func makeDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nave-apitests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func configuration(directory: String, requestTimeoutMillis: Int = 300, idleTimeoutMillis: Int = 5_000,
                              requestBodyBytesMax: Int = 4096) -> NaveConfiguration {
        var configuration = NaveConfiguration()
        configuration.engine.loopCount = 2
        configuration.listeners = [.init(host: "127.0.0.1", port: 0)]
        configuration.dataDirectory = directory + "/data"
        configuration.hub.mqttListeners = [.init(host: "127.0.0.1", port: 0)]
        configuration.hub.httpsListeners = [.init(host: "127.0.0.1", port: 0)]
        configuration.hub.amqpListeners = [.init(host: "127.0.0.1", port: 0)]
        configuration.hub.http.requestTimeoutMillis = requestTimeoutMillis
        configuration.hub.http.idleTimeoutMillis = idleTimeoutMillis
        configuration.hub.http.requestBodyBytesMax = requestBodyBytesMax
        configuration.broker.housekeepingIntervalMillis = 100
        configuration.broker.connectTimeoutMillis = 1_000
        return configuration
    }

    /// Opens the hub in `directory` (made when nil) and starts the node.
    static func start(directory given: String? = nil, requestTimeoutMillis: Int = 300, idleTimeoutMillis: Int = 5_000,
                      configuration custom: NaveConfiguration? = nil) async throws -> TestNode {
        let directory = try given ?? makeDirectory()
        let configuration = custom ?? configuration(directory: directory, requestTimeoutMillis: requestTimeoutMillis,
                                                    idleTimeoutMillis: idleTimeoutMillis)
        let logger = quietLogger("nave.node")
        var hub: HubResources?
        do {
            let python = try PythonWireClient(directory: directory)
            hub = try await HubResources.open(configuration, logger: logger)
            let server = try NaveServer(configuration: configuration, hub: hub, logger: logger)
            return TestNode(directory: directory, server: server, python: python)
        } catch {
            await hub?.close()
            if given == nil { try? FileManager.default.removeItem(atPath: directory) }
            throw error
        }
    }

    private init(directory: String, server: NaveServer, python: PythonWireClient) {
        self.directory = directory
        self.server = server
        self.python = python
    }

    func stop() { server.shutdown(gracePeriod: .zero) }

    /// Stops and waits until the hub released its data directory (to open it again).
    func stopAndWait() async { await server.shutdown(gracePeriod: .zero) }

    func removeDirectory() { try? FileManager.default.removeItem(atPath: directory) }

    /// An iothubowner service token for the node's host, valid for an hour.
    func serviceToken() throws -> String {
        let owner = try registry.policy(named: "iothubowner").unwrap("iothubowner")
        return try SASToken.serviceToken(hostName: "localhost", keyName: owner.name, key: owner.primaryKey,
                                         expiry: hub.clock.now().secondsSinceEpoch + 3600)
    }

    /// A device token for `deviceID` signed with `key`, expiring `seconds` from now.
    func deviceToken(_ deviceID: String, key: String = testKeyA, expiresIn seconds: Int64 = 3600) throws -> String {
        try SASToken.deviceToken(resourceURI: "localhost/devices/\(deviceID)", key: key,
                                 expiry: hub.clock.now().secondsSinceEpoch + seconds)
    }

    /// Registers an enabled SAS device with keys A and B.
    func createDevice(_ deviceID: String) async throws {
        _ = try await registry.createDevice(DeviceRequest(deviceID: deviceID, authentication: .sas(primaryKey: testKeyA, secondaryKey: testKeyB)))
    }
}

func username(_ clientID: String) -> String { "localhost/\(clientID)/?api-version=2019-10-01&DeviceClientType=nave-tests%2F1.0" }

extension Optional {
    func unwrap(_ what: String) throws -> Wrapped {
        guard let self else { throw FixtureError("missing \(what)") }
        return self
    }
}

/// Runs `wireClientScript` in a `python3` child process: every run is bounded by a deadline
/// after which the child is killed, so no test can hang on it.
struct PythonWireClient {
    let scriptPath: String
    static let interpreter = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "/usr/bin/env"

    init(directory: String) throws {
        scriptPath = directory + "/wire_client.py"
        try wireClientScript.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    }

    /// A started client; `finish` waits for it (bounded) and reads its JSON answer.
    final class Run {
        let process: Process
        let output = Pipe()
        let errors = Pipe()

        init(_ process: Process) { self.process = process }

        /// Waits at most `seconds` for the child (polling without blocking a thread of the
        /// cooperative pool, which the hub's actors need); kills it (SIGKILL) after that.
        func waitForExit(seconds: Double) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
            guard process.isRunning else { return true }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }

        func finish(seconds: Double = 20) async throws -> [String: Any] {
            let exited = await waitForExit(seconds: seconds)
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guard exited else { throw FixtureError("the Python client did not finish within \(seconds) s; stderr: \(stderr)") }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw FixtureError("the Python client printed no JSON: \(text) \(stderr)")
            }
            if let failure = object["failure"] as? String { throw FixtureError("the Python client failed: \(failure)") }
            return object
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
    }

    func start(_ mode: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.interpreter)
        process.arguments = (Self.interpreter == "/usr/bin/env" ? ["python3"] : []) + [scriptPath, mode] + arguments
        let run = Run(process)
        process.standardOutput = run.output
        process.standardError = run.errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return run
    }

    func run(_ mode: String, _ arguments: [String], seconds: Double = 20) async throws -> [String: Any] {
        try await start(mode, arguments).finish(seconds: seconds)
    }
}

/// Polls `condition` every 5 ms until it holds or `seconds` pass, without blocking a thread.
func eventually(seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
