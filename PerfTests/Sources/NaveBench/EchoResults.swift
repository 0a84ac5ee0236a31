import Histogram

/// Round-trip percentiles of one round, microseconds.
struct LatencySummary: Codable {
    var samples: UInt64
    var p50Micros: Double
    var p99Micros: Double
    var p999Micros: Double
    var maxMicros: Double

    init(_ histogram: Histogram<UInt64>) {
        samples = histogram.totalCount
        p50Micros = Double(histogram.valueAtPercentile(50)) / 1000
        p99Micros = Double(histogram.valueAtPercentile(99)) / 1000
        p999Micros = Double(histogram.valueAtPercentile(99.9)) / 1000
        maxMicros = Double(histogram.max) / 1000
    }
}

/// One measured round on one backend.
struct RoundSample: Codable {
    var seconds: Double
    var messagesEchoed: Int
    var messagesPerSecond: Double
    /// Server utime+stime over the round, divided by the messages echoed.
    var serverCPUNanosPerMessage: Double
    /// Server CPU time over wall time (1.0 = one core busy).
    var serverCPUCores: Double
    var clientCPUNanosPerMessage: Double
    var clientCPUCores: Double
    /// All CPUs' busy time minus server and client, per wall second: competing load.
    var otherCPUCores: Double
    var roundTrip: LatencySummary
    /// Measurements taken for this round (more than one when other load disturbed it).
    var attempts = 1

    init(start: Snapshot, end: Snapshot, roundTrips: LatencySummary) {
        seconds = Double(end.nanos - start.nanos) / 1e9
        messagesEchoed = end.echoed - start.echoed
        messagesPerSecond = Double(messagesEchoed) / seconds
        let messages = Double(max(1, messagesEchoed))
        serverCPUNanosPerMessage = Double(end.serverCPUNanos - start.serverCPUNanos) / messages
        serverCPUCores = Double(end.serverCPUNanos - start.serverCPUNanos) / 1e9 / seconds
        clientCPUNanosPerMessage = Double(end.clientCPUNanos - start.clientCPUNanos) / messages
        clientCPUCores = Double(end.clientCPUNanos - start.clientCPUNanos) / 1e9 / seconds
        let machineCores = Double(end.machineBusyNanos - start.machineBusyNanos) / 1e9 / seconds
        otherCPUCores = max(0, machineCores - serverCPUCores - clientCPUCores)
        roundTrip = roundTrips
    }

    var summary: String {
        "\(formatRate(messagesPerSecond)) msg/s, server \(Int(serverCPUNanosPerMessage)) ns/msg "
            + "(\(Int(serverCPUCores * 100)) % of a core), client \(Int(clientCPUCores * 100)) %, "
            + "other load \(Int(otherCPUCores * 100)) %, "
            + "RTT p50 \(formatMicros(roundTrip.p50Micros)) p99 \(formatMicros(roundTrip.p99Micros)) µs"
    }
}

/// Server allocations per echoed message, from jemalloc's exit statistics.
struct AllocationResult: Codable {
    var loadedServer: JemallocCounts?
    var idleServer: JemallocCounts?
    /// Every message the loaded server echoed in its life (warm-up and rounds).
    var messagesEchoed: Int
    /// (loaded.requests − idle.requests) / messagesEchoed.
    var perMessage: Double?

    init(loaded: JemallocCounts?, idle: JemallocCounts?, messagesEchoed: Int) {
        (loadedServer, idleServer, self.messagesEchoed) = (loaded, idle, messagesEchoed)
        if let loaded, let idle, messagesEchoed > 0 {
            perMessage = Double(loaded.requests - idle.requests) / Double(messagesEchoed)
        }
    }
}

/// One backend under one workload.
struct EchoBackendResult: Codable {
    var backend: String
    var connections: Int
    var inFlightPerConnection: Int
    var rounds: [RoundSample]
    var medianMessagesPerSecond: Double
    var minMessagesPerSecond: Double
    var maxMessagesPerSecond: Double
    /// (max − min) / median, percent.
    var spreadPercent: Double
    var medianServerCPUNanosPerMessage: Double
    var medianServerCPUCores: Double
    var medianClientCPUCores: Double
    var medianOtherCPUCores: Double
    var medianRoundTripP99Micros: Double
    var serverRSSBytes: Int
    var serverPeakRSSBytes: Int
    /// The idle baseline server's RSS with as many (silent) connections.
    var idleServerRSSBytes: Int
    var allocations: AllocationResult
    var warnings: [String]

    init(pair: EchoPhase.Pair, settings: EchoPhase.Settings, loadedRSS: (current: Int, peak: Int),
         idleRSS: (current: Int, peak: Int), allocations: AllocationResult) {
        backend = pair.backend
        connections = settings.connections
        inFlightPerConnection = settings.inFlight
        rounds = pair.rounds
        let rates = rounds.map(\.messagesPerSecond)
        medianMessagesPerSecond = median(rates)
        minMessagesPerSecond = rates.min() ?? 0
        maxMessagesPerSecond = rates.max() ?? 0
        spreadPercent = medianMessagesPerSecond > 0 ? (maxMessagesPerSecond - minMessagesPerSecond) / medianMessagesPerSecond * 100 : 0
        medianServerCPUNanosPerMessage = median(rounds.map(\.serverCPUNanosPerMessage))
        medianServerCPUCores = median(rounds.map(\.serverCPUCores))
        medianClientCPUCores = median(rounds.map(\.clientCPUCores))
        medianOtherCPUCores = median(rounds.map(\.otherCPUCores))
        medianRoundTripP99Micros = median(rounds.map(\.roundTrip.p99Micros))
        serverRSSBytes = loadedRSS.current
        serverPeakRSSBytes = loadedRSS.peak
        idleServerRSSBytes = idleRSS.current
        self.allocations = allocations
        warnings = pair.warnings
    }
}

struct EchoWorkload: Codable {
    var connections: Int
    var frameBytes: Int
    var inFlightPerConnection: [Int]
    var warmupSeconds: Double
    var rounds: Int
    var roundSeconds: Double
    var serverLoops: Int
    var clientLoops: Int
    var clientBackend: String
    var serverCPU: Int?
    var clientCPU: Int?
    var serverBinary: String
    var serverBinaryModified: String?
    var serverMallocConf: String
    var sourceAddresses: [String]
    var connectionsPerSourceAddress: Int
    var roundOrder: String
    var maxOtherLoadCores: Double
    var disturbedRetries: Int
}

/// The JSON file's top level.
struct EchoRunResult: Codable {
    var benchmark = "echo"
    var timestamp: String
    var naveRevision: String
    /// Uncommitted changes to tracked files when the run started (the server may not match the revision).
    var naveTreeDirty: Bool
    var kernel: String
    var onlineCPUs: Int
    var workload: EchoWorkload
    /// How each derived figure is computed.
    var method: [String: String]
    var results: [EchoBackendResult]
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

func formatRate(_ perSecond: Double) -> String {
    perSecond >= 1e6 ? String(format1: perSecond / 1e6) + " M" : String(format1: perSecond / 1e3) + " k"
}

func formatMicros(_ micros: Double) -> String { micros >= 100 ? "\(Int(micros))" : String(format1: micros) }

extension String {
    /// One decimal, without Foundation's formatter.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
