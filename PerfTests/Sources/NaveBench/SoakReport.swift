import Foundation
import Glibc

/// One reading during a soak (every `sampleEvery` seconds; every `reportEvery` seconds it is
/// also printed).
struct SoakSample: Codable {
    /// Seconds since the load started.
    var seconds: Double
    var brokerRSSBytes: Int
    /// Broker CPU (user + system) since the previous sample, in cores.
    var brokerCPUCores: Double
    /// Clients holding a CONNACKed connection: the active fleet plus the workers' latest status.
    var connectionsHeld: Int
    /// Open descriptors of the broker process (listeners and files included); report lines only.
    var brokerDescriptors: Int?
    var publishedQoS0: Int
    var publishedQoS1: Int
    var ackedQoS1: Int
    var deliveredQoS0: Int
    var deliveredQoS1: Int
    var errors: Int
    var loadAverage1: Double

    var line: String {
        let minutes = Int(seconds) / 60, rest = Int(seconds) % 60
        return "[soak \(minutes)m\(rest < 10 ? "0" : "")\(rest)s] RSS \(String(format1: Double(brokerRSSBytes) / 1_048_576)) MiB, "
            + "CPU \(Int((brokerCPUCores * 100).rounded())) %, held \(connectionsHeld)"
            + (brokerDescriptors.map { " (broker fds \($0))" } ?? "")
            + ", published \(publishedQoS0 + publishedQoS1) (QoS 1 \(publishedQoS1)), acked \(ackedQoS1), "
            + "delivered \(deliveredQoS0 + deliveredQoS1) (QoS 1 \(deliveredQoS1)), errors \(errors), load \(String(format1: loadAverage1))"
    }
}

/// RSS over a run: first, lowest, highest, last, and the least-squares slope after warm-up.
struct SoakRSS: Codable {
    var firstMiB: Double
    var minMiB: Double
    var maxMiB: Double
    var lastMiB: Double
    var warmupSeconds: Double
    /// MiB per minute over the samples after warm-up (nil with fewer than 3 of them).
    var slopeMiBPerMinute: Double?

    init(samples: [SoakSample], warmupSeconds: Double) {
        let mebibytes = samples.map { Double($0.brokerRSSBytes) / 1_048_576 }
        firstMiB = mebibytes.first ?? 0
        minMiB = mebibytes.min() ?? 0
        maxMiB = mebibytes.max() ?? 0
        lastMiB = mebibytes.last ?? 0
        self.warmupSeconds = warmupSeconds
        let points = samples.filter { $0.seconds >= warmupSeconds }.map { ($0.seconds / 60, Double($0.brokerRSSBytes) / 1_048_576) }
        guard points.count >= 3 else { slopeMiBPerMinute = nil; return }
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.0 } / n, meanY = points.reduce(0) { $0 + $1.1 } / n
        let covariance = points.reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let variance = points.reduce(0) { $0 + ($1.0 - meanX) * ($1.0 - meanX) }
        slopeMiBPerMinute = variance > 0 ? covariance / variance : nil
    }

    var line: String {
        "RSS first \(String(format1: firstMiB)) MiB, min \(String(format1: minMiB)), max \(String(format1: maxMiB)), "
            + "last \(String(format1: lastMiB)); slope after \(Int(warmupSeconds)) s warm-up: "
            + (slopeMiBPerMinute.map { "\(String(format: "%+.3f", $0)) MiB/min" } ?? "n/a")
    }
}

/// The end of a soak: what was sent and received, what was lost, what went wrong.
struct SoakSummary: Codable {
    var loadSeconds: Double
    var connectionsTarget: Int
    var connectionsHeldMin: Int
    var connectionsHeldMax: Int
    var rss: SoakRSS
    var brokerCPUCoresMean: Double
    var brokerCPUSeconds: Double
    var publishedQoS0: Int
    var publishedQoS1: Int
    var ackedQoS1: Int
    var deliveredQoS0: Int
    var deliveredQoS1: Int
    /// Acknowledged QoS 1 messages × matching tracked subscribers.
    var expectedQoS1: Int
    /// Acknowledged by the broker, never received by a matching tracked subscriber: must be 0.
    var lostQoS1: Int
    var lostQoS1Examples: [String]
    var duplicatesQoS1: Int
    var misroutedQoS1: Int
    /// Published QoS 0 × subscribers per QoS 0 topic (2: its group's wildcard and `#`).
    var expectedQoS0: Int
    var qos0DeliveryRatio: Double
    var floodPublished: Int
    var floodDelivered: Int
    /// Publishes the pacer skipped because it was more than 100 ms behind.
    var paceSkipped: Int
    var latencyQoS0: LatencyPercentiles
    var latencyQoS1: LatencyPercentiles
    var errors: [String: Int]
    var errorExamples: [String: String]
    var events: [String: Int]
    var silentCloseSecondsMin: Double?
    var silentCloseSecondsMax: Double?
    var loadAverageStart: [Double]
    var loadAverageEnd: [Double]
    var loadAverage1Mean: Double
    /// Seconds from the end of the load until every QoS 1 message was accounted for (or the limit).
    var drainSeconds: Double
    /// The broker's own counters, from its "node stopped" log line.
    var brokerStatistics: String?
    /// QoS 1 messages the broker dropped from full offline queues (mqtt.sessionQueuedMessagesMax,
    /// by design): a loss above this number was not announced by the broker.
    var brokerQueuedDropped: Int?
    /// Connections the broker closed and logged at notice level, by reason (up to its first ':').
    var brokerCloseReasons: [String: Int]
    var passed: Bool
    var failures: [String]

    /// "a=1 b=2", sorted by key.
    private static func counts(_ values: [String: Int]) -> String {
        let pairs: [String] = values.sorted { $0.key < $1.key }.map { pair in "\(pair.key)=\(pair.value)" }
        return pairs.joined(separator: " ")
    }

    private static func latency(_ name: String, _ latency: LatencyPercentiles) -> String {
        let p50: String = formatMicros(latency.p50Micros)
        let p99: String = formatMicros(latency.p99Micros)
        let max: String = formatMicros(latency.maxMicros)
        return "\(name) p50 \(p50) p99 \(p99) max \(max) µs"
    }

    var lines: [String] {
        let ratio = String(format: "%.5f", qos0DeliveryRatio)
        let cpuPercent = Int((brokerCPUCoresMean * 100).rounded())
        var lines: [String] = ["== soak summary (\(Int(loadSeconds)) s of load)"]
        lines.append("connections held: \(connectionsHeldMin)–\(connectionsHeldMax) (target \(connectionsTarget))")
        lines.append(rss.line)
        lines.append("broker CPU: mean \(cpuPercent) % of a core, \(String(format1: brokerCPUSeconds)) s in all")
        lines.append("QoS 1: published \(publishedQoS1), acked \(ackedQoS1), delivered \(deliveredQoS1) of \(expectedQoS1) expected, "
            + "LOST \(lostQoS1), duplicates \(duplicatesQoS1), misrouted \(misroutedQoS1)")
        lines.append("QoS 0: published \(publishedQoS0), delivered \(deliveredQoS0) of \(expectedQoS0), ratio \(ratio)")
        lines.append("flood: published \(floodPublished), delivered \(floodDelivered); pacer skipped \(paceSkipped)")
        lines.append("latency " + Self.latency("QoS 0", latencyQoS0) + "; " + Self.latency("QoS 1", latencyQoS1))
        lines.append("events: " + Self.counts(events))
        lines.append("errors: " + (errors.isEmpty ? "none" : Self.counts(errors)))
        for (kind, example) in errorExamples.sorted(by: { $0.key < $1.key }) { lines.append("  \(kind): \(example)") }
        for example in lostQoS1Examples { lines.append("  lost: \(example)") }
        if let low = silentCloseSecondsMin, let high = silentCloseSecondsMax {
            lines.append("silent client closed \(String(format1: low))–\(String(format1: high)) s after CONNACK")
        }
        lines.append("load average start \(loadAverageStart), end \(loadAverageEnd), mean 1-min \(String(format1: loadAverage1Mean))")
        lines.append("drain: \(String(format1: drainSeconds)) s")
        if let brokerStatistics { lines.append("broker: \(brokerStatistics)") }
        lines.append("broker closed: " + Self.counts(brokerCloseReasons))
        lines.append(passed ? "PASSED" : "FAILED: \(failures.joined(separator: "; "))")
        return lines
    }
}

/// The JSON file of `nave-bench soak`.
struct SoakRunResult: Codable {
    var benchmark = "soak"
    var timestamp: String
    var naveRevision: String
    var naveTreeDirty: Bool
    var naveVersion: String
    var kernel: String
    var onlineCPUs: Int
    var command: String
    var settings: [String: String]
    var method: [String: String]
    var samples: [SoakSample]
    var summary: SoakSummary

    static let method: [String: String] = [
        "rss": "VmRSS of the broker from /proc/PID/status every sampleEvery seconds; slope = least squares over the samples after warm-up",
        "brokerCPUCores": "(utime+stime) delta of the broker from /proc/PID/stat / wall delta; 10 ms tick resolution",
        "connectionsHeld": "active clients with a CONNACKed connection + the idle workers' latest status (every 10 s)",
        "lostQoS1": "QoS 1 messages PUBACKed by the broker that a tracked subscriber (clean session 0, QoS 1) whose filter matches never received, across its reconnects, after a drain of up to drainSeconds",
        "qos0DeliveryRatio": "QoS 0 deliveries / (QoS 0 publishes × 2 matching subscribers); QoS 0 may be dropped by design",
        "latency": "subscriber receipt − send time in the payload (CLOCK_MONOTONIC, same host); QoS 1 includes messages queued while a subscriber was away",
        "errors": "unexpected: closes the harness did not ask for, refused CONNACK/SUBACK, sessions not resumed, garbage not refused, keep-alive not enforced, idle connections lost; expected behaviour is counted under events",
    ]

    func write(to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let path = "\(directory)/soak-\(formatter.string(from: ISO8601DateFormatter().date(from: timestamp) ?? Date())).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
        ResultChart.writeBeside(path)
        return path
    }
}

enum LoadAverage {
    /// The 1, 5 and 15 minute load averages from /proc/loadavg.
    static func read() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}
