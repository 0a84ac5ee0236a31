import Foundation
import Logging
import NaveIO
import NaveNode
import Testing

/// The broker in-process on a free port, driven by Debian's `mosquitto_pub`/`mosquitto_sub` —
/// an independent MQTT 3.1.1 implementation.
@Suite("Mosquitto clients", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/mosquitto_sub")))
struct MosquittoClientTests {
    static func startServer() throws -> NaveServer {
        var configuration = NaveConfiguration()
        configuration.engine.loopCount = 2
        configuration.listeners = [.init(host: "127.0.0.1", port: 0)]
        var logger = Logger(label: "nave.test")
        logger.logLevel = .warning
        return try NaveServer(configuration: configuration, logger: logger)
    }

    /// Runs a mosquitto client; returns the process and a pipe with its standard output.
    static func launch(_ tool: String, _ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// Waits for `process` to exit, at most `seconds`; kills it after that.
    static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit(); return false }
        return true
    }

    /// Polls `condition` until it holds or `seconds` pass.
    static func eventually(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// Subscribes with mosquitto_sub until it has `count` messages, while `publish` runs.
    static func subscribeAndPublish(port: Int, filter: String, qos: Int, count: Int,
                                    publish: () throws -> Void) throws -> [String] {
        let (subscriber, output) = try launch("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", filter,
                                                                "-q", "\(qos)", "-C", "\(count)", "-v", "-W", "10"])
        try publish()
        #expect(waitForExit(subscriber, seconds: 10), "mosquitto_sub did not get \(count) messages")
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").map(String.init)
    }

    @Test("mosquitto_pub → mosquitto_sub at QoS 0, 1 and 2, with wildcards", arguments: [0, 1, 2])
    func publishSubscribe(qos: Int) throws {
        let server = try Self.startServer()
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        let lines = try Self.subscribeAndPublish(port: port, filter: "dev/+/temp", qos: qos, count: 3) {
            #expect(Self.eventually { server.broker.statistics.subscriptions == 1 })
            for n in 0..<3 {
                let (publisher, _) = try Self.launch("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "dev/\(n)/temp",
                                                                       "-q", "\(qos)", "-m", "v\(n)"])
                #expect(Self.waitForExit(publisher, seconds: 10) && publisher.terminationStatus == 0)
            }
        }
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasPrefix("dev/") && $0.contains("/temp v") })
    }

    @Test("a retained message reaches a later mosquitto_sub with the retain flag")
    func retained() throws {
        let server = try Self.startServer()
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        let (publisher, _) = try Self.launch("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "state/door",
                                                               "-q", "1", "-r", "-m", "open"])
        #expect(Self.waitForExit(publisher, seconds: 10) && publisher.terminationStatus == 0)
        // -R would skip retained messages; -F prints "retain flag topic payload".
        let (subscriber, output) = try Self.launch("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "state/#",
                                                                     "-C", "1", "-F", "%r %t %p", "-W", "10"])
        #expect(Self.waitForExit(subscriber, seconds: 10))
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "1 state/door open")
    }
}
