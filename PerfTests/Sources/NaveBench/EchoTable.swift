/// The terminal summary: one block per in-flight depth, backends side by side, and the ratio of
/// the first backend to the second.
struct EchoTable {
    let result: EchoRunResult

    func render() -> String {
        let workload = result.workload
        let backends = workload.inFlightPerConnection.isEmpty ? [] : result.results
            .filter { $0.inFlightPerConnection == workload.inFlightPerConnection[0] }.map(\.backend)
        var lines = [
            "Echo ceiling — nave \(result.naveRevision)\(result.naveTreeDirty ? " (dirty tree)" : ""), kernel \(result.kernel); "
                + "\(workload.connections) connections, \(workload.frameBytes)-byte frames, server \(workload.serverLoops) loop(s)"
                + (workload.serverCPU.map { " on CPU \($0)" } ?? "") + ", client 1 loop (\(workload.clientBackend))"
                + (workload.clientCPU.map { " on CPU \($0)" } ?? "")
                + "; median of \(workload.rounds) × \(workload.roundSeconds) s",
        ]
        let ratioHeader = backends.count >= 2 ? "\(backends[0])/\(backends[1])" : ""
        lines.append(row("in flight", "metric", backends, ratioHeader))
        lines.append(String(repeating: "-", count: 50 + 16 * (backends.count + 1)))
        for depth in workload.inFlightPerConnection {
            let byBackend = backends.compactMap { name in
                result.results.first { $0.backend == name && $0.inFlightPerConnection == depth }
            }
            guard byBackend.count == backends.count else { continue }
            func metric(_ label: String, first: Bool = false, ratio: Bool = false, _ value: (EchoBackendResult) -> Double,
                        _ format: (Double) -> String) {
                let values = byBackend.map(value)
                let ratioText = ratio && values.count >= 2 && values[1] != 0 ? String(format2: values[0] / values[1]) : ""
                lines.append(row(first ? "\(depth)" : "", label, values.map(format), ratioText))
            }
            metric("messages/s (median)", first: true, ratio: true, \.medianMessagesPerSecond, formatRate)
            lines.append(row("", "  spread min–max", byBackend.map {
                "\(Int(($0.minMessagesPerSecond / 1000).rounded()))–\(Int(($0.maxMessagesPerSecond / 1000).rounded())) k"
            }, ""))
            metric("server CPU ns/msg", ratio: true, \.medianServerCPUNanosPerMessage) { "\(Int($0.rounded()))" }
            // What one fully busy server core would echo at this CPU cost: the ceiling when the
            // single client core, not the server, is what saturates.
            metric("server-bound ceiling (1 s / ns per msg)", ratio: true, { 1e9 / $0.medianServerCPUNanosPerMessage }, formatRate)
            metric("server CPU busy (cores)", \.medianServerCPUCores) { String(format2: $0) }
            metric("client CPU busy (cores)", \.medianClientCPUCores) { String(format2: $0) }
            metric("other load on the box (cores)", \.medianOtherCPUCores) { String(format2: $0) }
            let threshold = workload.maxOtherLoadCores
            metric("rounds disturbed (other load > \(threshold))", { Double($0.rounds.filter { $0.otherCPUCores > threshold }.count) }) {
                "\(Int($0)) of \(workload.rounds)"
            }
            metric("round trip p99 µs", \.medianRoundTripP99Micros, formatMicros)
            metric("server RSS MiB (loaded)", \.serverRSSBytesDouble) { String(format1: $0 / 1_048_576) }
            metric("server RSS MiB (idle, same conns)", \.idleServerRSSBytesDouble) { String(format1: $0 / 1_048_576) }
            metric("server allocations/msg", { $0.allocations.perMessage ?? .nan }) {
                $0.isNaN ? "n/a" : String(format3: $0)
            }
        }
        return lines.joined(separator: "\n")
    }

    private func row(_ depth: String, _ label: String, _ values: [String], _ ratio: String) -> String {
        depth.padding(10) + label.padding(40) + values.map { $0.leftPadding(16) }.joined() + ratio.leftPadding(16)
    }
}

extension EchoBackendResult {
    var serverRSSBytesDouble: Double { Double(serverRSSBytes) }
    var idleServerRSSBytesDouble: Double { Double(idleServerRSSBytes) }
}

extension String {
    init(format2 value: Double) { self = Self.fixed(value, digits: 2) }
    init(format3 value: Double) { self = Self.fixed(value, digits: 3) }

    private static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
