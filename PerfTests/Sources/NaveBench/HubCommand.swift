import ArgumentParser
import CBenchSupport
import Foundation
import Glibc
import Logging
import NaveIO

/// `nave-bench hub <scenario…>`: the IoT Hub paths of a Nave node with SAS devices — connect
/// storms (plain and TLS, full and resumed; TLS also against Mosquitto), durable telemetry,
/// direct methods over the REST API, reported twin patches, C2D messages.
struct HubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Hub scenarios: \(HubScenario.all.joined(separator: ", ")) (or all); or query or upload alone (the query language over a large fleet; file upload through the blob store)."
    )

    @Argument(help: "Scenarios to run, in order.")
    var scenarios: [String] = ["telemetry"]
    @Option(help: "Targets (comma-separated): nave, mosquitto (Mosquitto runs the TLS connect storms only).")
    var target = "nave"
    @Option(help: "The nave binary (build: swift build -c release --product nave in the root).")
    var naveBinary = "../.build/release/nave"
    @Option var mosquittoBinary = "/usr/sbin/mosquitto"
    @Option(help: "The node's data directory; devices are registered in it (offline) when missing.")
    var dataDirectory = "/tmp/nave-bench-hub"
    @Option(help: "Event loops of the node.")
    var targetLoops = 1
    @Option(help: "Measured rounds per scenario (per target).")
    var rounds = 3
    @Option(help: "Warm-up seconds before the first measured round of a flow.")
    var warmup = 2.0
    @Option(help: "Seconds per measured round (and per sweep step).")
    var duration = 4.0
    @Option(help: "Devices in the flows (telemetry, methods, twin-reported).")
    var devices = 1_000
    @Option(help: "Telemetry publishes unacknowledged per device (at most 512).")
    var inflight = 8
    @Option(help: "Reported patches unanswered per device.")
    var twinInflight = 1
    @Option(help: "Telemetry body bytes (at least 8: the first 8 carry the send time).")
    var payloadBytes = 64
    @Option(help: "query: registered devices with twins (tags.site spreads them over 100 sites).")
    var queryDevices = 100_000
    @Option(help: "query: selective queries measured (each reads every page of one site).")
    var queryRounds = 200
    @Option(help: "The node's hub.routingFile (ARM's routing JSON): flows measured with those routes and enrichments.")
    var routingFile: String?
    @Option(help: "upload: MiB per blob (each round uploads one in a single Put Blob and one in 4 MiB blocks).")
    var uploadMebibytes = 64
    @Option(help: "Devices in each plain connect storm.")
    var connectCount = 10_000
    @Option(help: "Devices in each TLS connect storm (the harness's one core does the client side of every handshake).")
    var tlsConnectCount = 3_000
    @Option(help: "Connects outstanding at once in a storm.")
    var connectWindow = 500
    @Option(help: "HTTPS keep-alive connections calling methods, one call outstanding each.")
    var httpConnections = 32
    @Option(help: "responseTimeoutInSeconds of each method call (5...300).")
    var methodTimeout = 10
    @Option(help: "telemetry-sweep: publish rates per second (comma-separated).")
    var sweepRates = "5000,10000,20000,30000,40000,50000,60000,80000"
    @Option(help: "job-twin: devices registered for the job (it targets every registered device).")
    var jobDevices = 10_000
    @Option(help: "job-twin: telemetry publishes per second from --devices devices beside the job.")
    var jobTelemetryRate = 2_000.0
    @Option(help: "job-twin: the node's jobs.deviceOperationsPerSecondMax (unset: the node's default).")
    var jobRate: Int?
    @Option(help: "job-twin: the longest to wait for the job, seconds.")
    var jobSecondsMax = 600.0
    @Option(help: "Client sockets per source address 127.1.x.y.")
    var connectionsPerSource = 1_000
    @Option(help: "First port; each target start takes six (HubTarget.Ports).")
    var port = 18_900
    @Option var targetCPU = 0
    @Option var clientCPU = 1
    @Flag(help: "Do not pin target and load generator.")
    var noPin = false
    @Option var resultsDirectory = "results"
    @Option(help: "Where target configurations and logs go (default: a new folder in the temporary directory).")
    var logDirectory: String?

    func validate() throws {
        guard (1...512).contains(inflight), (1...512).contains(twinInflight) else { throw ValidationError("windows are 1...512") }
        guard payloadBytes >= 8 else { throw ValidationError("--payload-bytes must be at least 8") }
        guard (5...300).contains(methodTimeout) else { throw ValidationError("--method-timeout is 5...300") }
        // One process holds at most 20,000 descriptors here (PERF.md rule 1).
        guard max(connectCount, tlsConnectCount) + 1 <= 18_000, devices + httpConnections <= 18_000 else {
            throw ValidationError("at most 18,000 client connections in one harness process")
        }
    }

    func run() throws {
        if scenarios == ["query"] { return try runQuery() }
        if scenarios == ["upload"] { return try runUpload() }
        let names = scenarios == ["all"] ? HubScenario.all : scenarios
        let parsed = try names.map { name -> HubScenario in
            guard let scenario = HubScenario.named(name) else { throw ValidationError("unknown scenario \(name); known: \(HubScenario.all.joined(separator: ", "))") }
            return scenario
        }
        let kinds = try target.split(separator: ",").map { name -> HubTarget.Kind in
            guard let kind = HubTarget.Kind(rawValue: String(name)) else { throw ValidationError("unknown target \(name)") }
            return kind
        }
        for (kind, binary) in [(HubTarget.Kind.nave, naveBinary), (.mosquitto, mosquittoBinary)] where kinds.contains(kind) {
            guard access(binary, X_OK) == 0 else { throw ValidationError("no executable at \(binary)") }
        }
        let start = try HarnessStart(name: "hub", clientCPU: clientCPU, noPin: noPin, logDirectory: self.logDirectory)
        let (loadBefore, pinning, logDirectory, cpus) = (start.loadAverageBefore, start.pinning, start.logDirectory, start.allowedCPUs)
        let dataDirectory = URL(fileURLWithPath: self.dataDirectory).standardizedFileURL.path
        // Registering is offline (the store in-process, before any node holds the directory); the
        // certificates are made by `nave certs init` so Mosquitto can present them too.
        let serviceKey = try HubDevices.prepare(dataDirectory: dataDirectory,
                                                count: max(devices, connectCount + 1, tlsConnectCount + 1, parsed.contains { $0.kind == .job } ? jobDevices : 0))
        // The node inherits the harness's environment (HubTarget): jobs.* keys as variables.
        if let jobRate { setenv("JOBS_DEVICE_OPERATIONS_PER_SECOND_MAX", "\(jobRate)", 1) }
        try Self.runToEnd(naveBinary, ["certs", "init", "--data-dir", dataDirectory])

        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }
        let settings = HubRunner.Settings(
            target: HubTarget.Settings(naveBinary: naveBinary, mosquittoBinary: mosquittoBinary, dataDirectory: dataDirectory,
                                       loops: targetLoops, targetCPU: pinning ? targetCPU : nil, clientCPU: pinning ? clientCPU : nil,
                                       logDirectory: logDirectory, routingFile: routingFile),
            rounds: max(1, rounds), warmupSeconds: warmup, roundSeconds: duration, devices: devices, inflight: inflight,
            twinInflight: twinInflight, payloadBytes: payloadBytes, connectCount: connectCount, tlsConnectCount: tlsConnectCount,
            connectWindow: connectWindow,
            httpConnections: httpConnections, methodTimeoutSeconds: methodTimeout,
            sweepRates: sweepRates.split(separator: ",").compactMap { Double($0) }, connectionsPerSource: connectionsPerSource,
            firstPort: port, serviceKey: serviceKey, jobTelemetryRate: jobTelemetryRate, jobSecondsMax: jobSecondsMax)
        let settingsText: [String: String] = [
            "targetLoops": "\(targetLoops)", "rounds": "\(rounds)", "warmupSeconds": "\(warmup)", "roundSeconds": "\(duration)",
            "devices": "\(devices)", "inflight": "\(inflight)", "twinInflight": "\(twinInflight)", "payloadBytes": "\(payloadBytes)",
            "connectCount": "\(connectCount)", "tlsConnectCount": "\(tlsConnectCount)", "connectWindow": "\(connectWindow)", "httpConnections": "\(httpConnections)",
            "jobDevices": "\(jobDevices)", "jobTelemetryRate": "\(jobTelemetryRate)", "jobRate": jobRate.map { "\($0)" } ?? "node default",
            "pinning": pinning ? "target CPU \(targetCPU), client CPU \(clientCPU)" : "none", "clientBackend": group.backendKind.rawValue,
        ]
        let startedAt = Date()
        progress("hub: scenarios \(names), targets \(kinds.map(\.rawValue)), data \(dataDirectory), logs in \(logDirectory); load average \(loadBefore)")
        let runner = HubRunner(settings: settings, loop: group.loops[0])
        var results: [HubScenarioResult] = []
        var failures: [String] = []
        for scenario in parsed {
            progress("== \(scenario.name): \(scenario.goal)")
            do { results += try runner.run(scenario, targets: kinds) } catch {
                progress("!! \(scenario.name) failed: \(error)")
                failures.append("\(scenario.name): \(error)")
            }
        }
        let revision = RepositoryInfo(directory: URL(fileURLWithPath: naveBinary).deletingLastPathComponent().path)
        var versions: [String: String] = [:]
        if kinds.contains(.nave) { versions["nave"] = BrokerProcess.version(kind: .nave, binary: naveBinary) }
        if kinds.contains(.mosquitto) { versions["mosquitto"] = BrokerProcess.version(kind: .mosquitto, binary: mosquittoBinary) }
        let result = HubRunResult(
            benchmark: "hub", timestamp: ISO8601DateFormatter().string(from: startedAt), naveRevision: revision.revision,
            naveTreeDirty: revision.dirty, kernel: RepositoryInfo.kernelRelease(), onlineCPUs: cpus, targets: versions,
            loadAverageBefore: loadBefore, loadAverageAfter: HarnessStart.loadAverage(), settings: settingsText, method: Self.method, results: results)
        let path = try write(result, startedAt: startedAt)
        print("")
        print(HubTable(result: result).render())
        for failure in failures { print("FAILED: \(failure)") }
        print("\nresult: \(path)")
    }

    static let method: [String: String] = [
        "connectsPerSecond": "CONNACKs / (last CONNACK − first connect); every device a registered SAS device (token in the password), cleanSession false",
        "targetCPUNanosPerConnect": "(utime+stime of the target from /proc/PID/stat, storm end − start) / CONNACKs; 10 ms tick resolution",
        "targetBoundConnectsPerSecond": "1 s / target CPU per connect: the rate if the target had its core to itself",
        "resumedFraction": "connections whose TLS session was resumed (Connection.isTLSResumed) / CONNACKs; the client context offers the last session ticket it received",
        "completedPerSecond": "answers per second: PUBACKs (telemetry, sent after the event log's fdatasync), $iothub/twin/res/204 (twin), HTTP 200 with the device's status 200 (methods), C2D PUBLISHes received by the devices (c2d; sent/s counts the REST sends)",
        "targetCPUNanosPerMessage": "target CPU / answers in the round",
        "latency": "telemetry: PUBLISH written → PUBACK read; twin: PATCH written → response read; methods: HTTP request written → response read; c2d: REST send written → the device reads the message (send time carried in the body); HDR histogram, 3 digits",
        "jobDevicesPerSecond": "job-twin: the job's succeededCount / seconds from its PUT to the GET (after each --duration round) that saw it completed; per round: succeeded devices in the round / round seconds",
        "telemetryP99MicrosDuringJobWorstRound": "job-twin: the highest telemetry PUBACK p99 of the rounds while the job ran, against telemetryP99MicrosWithoutJob (the round before it)",
        "eventLog": "the node's EventLog.statistics over its whole run (set-up included), from its 'node stopped' log line",
        "otherCPUCores": "all CPUs' busy time from /proc/stat minus target and harness, per wall second",
    ]

    /// Runs `binary arguments` to completion; throws on a non-zero exit.
    static func runToEnd(_ binary: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BrokerProcess.Failure(description: "\(binary) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }

    /// `nave-bench hub query`: QueryBench over `--query-devices` devices with twins.
    private func runQuery() throws {
        try runStandalone("query", devices: queryDevices, prepare: { try QueryFleet.prepare(dataDirectory: $0, count: queryDevices) }) {
            try QueryBench(runner: $0, caPath: $2, serviceKey: $3, devices: queryDevices, selectiveQueries: queryRounds,
                           groupQueries: max(5, queryRounds / 10)).run(loop: $1)
        }
    }

    /// `nave-bench hub upload`: UploadBench with `--upload-mebibytes` blobs.
    private func runUpload() throws {
        try runStandalone("upload", devices: 1, prepare: { _ in }) { runner, loop, caPath, _ in
            try UploadBench(runner: runner, caPath: caPath, blobMiB: uploadMebibytes, rounds: max(1, rounds)).run(loop: loop)
        }
    }

    /// A benchmark outside the scenario table: devices registered offline, certificates made, a
    /// harness loop; `body` gets the runner, the loop, the CA path and the service key and returns
    /// figures, which are printed and written to results/hub-NAME-<time>.json.
    private func runStandalone(_ name: String, devices: Int, prepare: (String) throws -> Void,
                               _ body: (HubRunner, EventLoop, String, String) throws -> [String: Double]) throws {
        guard access(naveBinary, X_OK) == 0 else { throw ValidationError("no executable at \(naveBinary)") }
        let start = try HarnessStart(name: "hub-\(name)", clientCPU: clientCPU, noPin: noPin, logDirectory: self.logDirectory)
        let dataDirectory = URL(fileURLWithPath: self.dataDirectory).standardizedFileURL.path
        let serviceKey = try HubDevices.prepare(dataDirectory: dataDirectory, count: devices)
        try prepare(dataDirectory)
        try Self.runToEnd(naveBinary, ["certs", "init", "--data-dir", dataDirectory])
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }
        let settings = HubRunner.Settings(
            target: HubTarget.Settings(naveBinary: naveBinary, mosquittoBinary: mosquittoBinary, dataDirectory: dataDirectory,
                                       loops: targetLoops, targetCPU: start.pinning ? targetCPU : nil,
                                       clientCPU: start.pinning ? clientCPU : nil, logDirectory: start.logDirectory),
            rounds: 1, warmupSeconds: 0, roundSeconds: 0, devices: 0, inflight: 1, twinInflight: 1, payloadBytes: 8,
            connectCount: 0, tlsConnectCount: 0, connectWindow: 1, httpConnections: 1, methodTimeoutSeconds: 5,
            sweepRates: [], connectionsPerSource: connectionsPerSource, firstPort: port, serviceKey: serviceKey)
        let runner = HubRunner(settings: settings, loop: group.loops[0])
        let figures = try body(runner, group.loops[0], dataDirectory + "/certs/ca.pem", serviceKey)
        for (key, value) in figures.sorted(by: { $0.key < $1.key }) { print("\(key): \(String(format: "%.2f", value))") }
        try FileManager.default.createDirectory(atPath: resultsDirectory, withIntermediateDirectories: true)
        let path = "\(resultsDirectory)/hub-\(name)-\(Int(Date().timeIntervalSince1970)).json"
        try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        ResultChart.writeBeside(path)
        print("\nresult: \(path)")
    }

    private func write(_ result: HubRunResult, startedAt: Date) throws -> String {
        try FileManager.default.createDirectory(atPath: resultsDirectory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let path = "\(resultsDirectory)/hub-\(formatter.string(from: startedAt)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: URL(fileURLWithPath: path))
        ResultChart.writeBeside(path)
        return path
    }
}
