import Foundation
import Glibc
import NaveIO

/// Runs `nave-bench amqp` scenarios, each against a fresh `nave serve` node (`HubTarget`, pinned
/// to the target CPU) whose data directory was made for this run; telemetry comes from the hub
/// bench's MQTT devices (`HubFleet`) on the plain device listener, back ends are
/// `AMQPBackEnd`s, all on this process's one loop pinned to the client CPU.
final class AMQPRunner {
    struct Settings {
        var naveBinary: String
        var dataDirectoryBase: String
        var logDirectory: String
        var targetCPU: Int?
        var clientCPU: Int?
        var rounds: Int
        var warmupSeconds: Double
        var roundSeconds: Double
        var devices: Int
        var inflight: Int
        var payloadBytes: Int
        var drainEvents: Int
        var partitions: Int
        var credit: Int32
        var e2eRate: Double
        var c2dOutstanding: Int
        var c2dBodyBytes: Int
        var idleConnections: Int
        var idleWarmConnections: Int
        var idleHoldSeconds: Double
        var amqpTLS: Bool
        var connectionsPerSource: Int
        var firstPort: Int
    }

    let settings: Settings
    let loop: EventLoop
    /// The hub bench's helpers: node start, source addresses, snapshots, waits.
    let hub: HubRunner
    private var serviceKey = ""
    private var prepared = false

    init(settings: Settings, loop: EventLoop) {
        self.settings = settings
        self.loop = loop
        hub = HubRunner(settings: HubRunner.Settings(
            target: HubTarget.Settings(naveBinary: settings.naveBinary, mosquittoBinary: "", dataDirectory: settings.dataDirectoryBase,
                                       loops: 1, targetCPU: settings.targetCPU, clientCPU: settings.clientCPU,
                                       logDirectory: settings.logDirectory),
            rounds: settings.rounds, warmupSeconds: settings.warmupSeconds, roundSeconds: settings.roundSeconds,
            devices: settings.devices, inflight: settings.inflight, twinInflight: 1, payloadBytes: settings.payloadBytes,
            connectCount: 0, tlsConnectCount: 0, connectWindow: 500, httpConnections: 0, methodTimeoutSeconds: 10, sweepRates: [],
            connectionsPerSource: settings.connectionsPerSource, firstPort: settings.firstPort, serviceKey: ""), loop: loop)
    }

    deinit {
        // The data directory was made for this run (events of a drain fill are ~1 GB).
        if prepared { try? FileManager.default.removeItem(atPath: settings.dataDirectoryBase) }
    }

    func run(_ scenario: AMQPScenario) throws -> HubScenarioResult {
        if !prepared {
            serviceKey = try HubDevices.prepare(dataDirectory: settings.dataDirectoryBase, count: settings.devices)
            prepared = true
        }
        let (rounds, once): ([MQTTRoundSample], [String: Double])
        switch scenario {
        case .drain: (rounds, once) = try drain()
        case .e2e: (rounds, once) = try endToEnd()
        case .c2d: (rounds, once) = try cloudToDevice()
        case .idle: (rounds, once) = try idle()
        }
        return HubScenarioResult(scenario: scenario.hubScenario, target: "nave", rounds: rounds, once: once)
    }

    // MARK: Parts

    /// A fresh node on the next six ports (the data directory keeps its log between scenarios).
    func startNode() throws -> HubTarget {
        let target = try hub.startTarget(.nave)
        target.waitUntilIdle()
        return target
    }

    /// `count` connected devices of `work` on the node's plain MQTT listener, all ready.
    func connectDevices(_ target: HubTarget, count: Int, work: HubWork) throws -> HubFleet {
        let fleet = HubFleet(address: SocketAddress(host: "127.0.0.1", port: target.ports.devicePlain!)!, tls: nil, work: work, loop: loop)
        try fleet.addDevices(0..<count, keepAliveSeconds: 60, payloadBytes: settings.payloadBytes)
        let sources = hub.freshSources(count: count)
        let perSource = settings.connectionsPerSource
        loop.submitAndWait { fleet.connectAll(sources: sources, perSource: perSource, window: 500) }
        try hub.waitUntil("\(count) devices ready", timeoutSeconds: 120) {
            loop.submitAndWait {
                fleet.connectFailures + fleet.refused + fleet.protocolErrors > 0 || fleet.devices.allSatisfy(\.isReady)
            }
        }
        if let error = loop.submitAndWait({ fleet.connectFailures + fleet.refused + fleet.protocolErrors > 0 ? fleet.lastError : nil }) {
            throw BrokerProcess.Failure(description: "devices could not connect: \(error)")
        }
        return fleet
    }

    /// Back ends of `work`, `connections` of them, authorized and (for receivers and senders)
    /// attached; throws on a refusal or after 60 s.
    func openBackEnds(_ target: HubTarget, connections: Int, work: @escaping (Int) -> AMQPHubClient.Work, grant: AMQPCBS.Grant,
                      linksPerConnection: Int, into backEnd: AMQPBackEnd? = nil) throws -> AMQPBackEnd {
        let backEnd = backEnd ?? AMQPBackEnd(loop: loop, address: amqpAddress(target))
        let tls = settings.amqpTLS ? try TLSContext(clientTrustingCAPath: settings.dataDirectoryBase + "/certs/ca.pem") : nil
        let sources = hub.freshSources(count: connections)
        let perSource = settings.connectionsPerSource
        let (authorizedBefore, linksBefore) = loop.submitAndWait { (backEnd.authorized, backEnd.linksAttached) }
        loop.submitAndWait {
            for index in 0..<connections {
                backEnd.open(count: 1, sources: [sources[min(sources.count - 1, index / perSource)]], perSource: 1, work: work(index),
                             grant: grant, tls: tls)
            }
        }
        var failure: String?
        try hub.waitUntil("\(connections) AMQP connections authorized and attached", timeoutSeconds: 60) {
            loop.submitAndWait {
                if backEnd.failures > 0 { failure = backEnd.lastError ?? "?"; return true }
                return backEnd.authorized - authorizedBefore >= connections
                    && backEnd.linksAttached - linksBefore >= connections * linksPerConnection
            }
        }
        if let failure { throw BrokerProcess.Failure(description: "AMQP back end: \(failure)") }
        return backEnd
    }

    func amqpAddress(_ target: HubTarget) -> SocketAddress {
        SocketAddress(host: "127.0.0.1", port: settings.amqpTLS ? target.ports.amqp! : target.ports.plainAmqp!)!
    }

    /// The iothubowner grant for partition receivers (Event Hubs flavour; the event hub is the
    /// host name's first label, contract §6.1).
    func eventHubGrant() throws -> AMQPCBS.Grant {
        try AMQPCBS.eventHubGrant(hostName: HubDevices.hostName, eventHub: eventHubName, policy: "iothubowner", key: serviceKey)
    }

    var eventHubName: String { String(HubDevices.hostName.split(separator: ".").first ?? "localhost") }

    func serviceGrant() throws -> AMQPCBS.Grant {
        try AMQPCBS.serviceGrant(hostName: HubDevices.hostName, policy: "iothubowner", key: serviceKey)
    }

    struct Snapshot {
        var nanos: Int64
        var targetCPUNanos: Int64
        var clientCPUNanos: Int64
        var machineBusyNanos: Int64
    }

    func snapshot(_ target: HubTarget) -> Snapshot {
        Snapshot(nanos: monotonicNanos(), targetCPUNanos: target.cpuNanos(), clientCPUNanos: ProcStat.cpuNanos(pid: getpid()) ?? 0,
                 machineBusyNanos: ProcStat.machineBusyNanos())
    }

    /// CPU shares between two snapshots, as the hub bench reports them.
    func sample(_ start: Snapshot, _ end: Snapshot, round: Int) -> MQTTRoundSample {
        hub.sampleBetween(
            HubRunner.Snapshot(nanos: start.nanos, sent: 0, completed: 0, failed: 0, connAcked: 0, targetCPUNanos: start.targetCPUNanos,
                               clientCPUNanos: start.clientCPUNanos, machineBusyNanos: start.machineBusyNanos),
            HubRunner.Snapshot(nanos: end.nanos, sent: 0, completed: 0, failed: 0, connAcked: 0, targetCPUNanos: end.targetCPUNanos,
                               clientCPUNanos: end.clientCPUNanos, machineBusyNanos: end.machineBusyNanos),
            round: round)
    }

    /// Waits (at most `seconds`) until every telemetry publish was answered.
    func waitAnswered(_ fleet: HubFleet, seconds: Double = 30) {
        try? hub.waitUntil("telemetry answered", timeoutSeconds: seconds) {
            loop.submitAndWait { fleet.sent - fleet.completed - fleet.failedResponses <= 0 }
        }
    }

    static func record(_ latency: LatencyPercentiles, as name: String, into sample: inout MQTTRoundSample) {
        sample.metrics[name + "P50Micros"] = latency.p50Micros
        sample.metrics[name + "P99Micros"] = latency.p99Micros
        sample.metrics[name + "P999Micros"] = latency.p999Micros
        sample.metrics[name + "MaxMicros"] = latency.maxMicros
    }
}
