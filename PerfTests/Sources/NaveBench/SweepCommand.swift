import ArgumentParser

/// `nave-bench sweep`: Nave against itself over event-loop and router-shard settings, rounds
/// alternating between settings, to choose `io.loops` and `router.shards` for a profile
/// (Tuning/sweep.md).
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Nave over loops × router shards, alternating rounds; names the winning setting per scenario.",
        discussion: """
        Every setting runs every scenario; each round starts each setting's broker afresh, in \
        alternating order (A B C, C B A, …), as `compare` alternates brokers. Loops go to \
        `nave serve --loops`, shards as NAVE_ROUTER_SHARDS in the broker's environment; each start is \
        checked against nave's "node started" log line. A setting with more shards than loops \
        is skipped: nave refuses it (router.shards must be 1...io.loops; each loop holds at most \
        one shard replica).

        Placement: each broker is spawned with a CPU mask its loop threads inherit (as \
        `taskset -c` would). With --broker-cpus auto, N loops get N CPUs, taken first from \
        CPUs other than the load generator's (--client-cpu). On 2 cores that is CPU 0 for one \
        loop and CPUs 0,1 for two, the second shared with the load generator: a second loop \
        can only run by competing with the client there, so that is what is measured, and \
        the table marks such settings with *. Squeezing two loops onto one CPU would measure \
        context switches, not a second loop. To tell the loop count from the CPU count, add a \
        run with --broker-cpus 0,1 (every setting on both CPUs). The JSON records each \
        setting's CPUs.
        """
    )

    @Argument(help: "Scenarios to run, in order (`mqtt --help` lists them; idle is not swept).")
    var scenarios: [String] = ["fanin-qos0", "pairs"]
    @Option(help: "Event loop counts to try (comma-separated).")
    var loops = "1,2"
    @Option(help: "Router shard counts to try (comma-separated); combinations with more shards than loops are skipped.")
    var shards = "1,2"
    @Option(name: .customLong("broker-cpus"), help: "Broker CPUs: auto (N loops on N CPUs, the load generator's last) or one list for every setting (\"0,1\", \"0-3\").")
    var brokerCPUs = "auto"
    @OptionGroup var options: MQTTOptions

    func validate() throws {
        guard !scenarios.contains("idle") && scenarios != ["all"] else {
            throw ValidationError("idle measures memory per connection, which the sweep does not rank; name the scenarios")
        }
        guard let loopCounts = Self.counts(loops), loopCounts.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--loops takes counts 1...256, comma-separated (is \(loops))")
        }
        guard let shardCounts = Self.counts(shards), shardCounts.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--shards takes counts ≥ 1, comma-separated (is \(shards))")
        }
        guard loopCounts.contains(where: { loop in shardCounts.contains { $0 <= loop } }) else {
            throw ValidationError("no combination of --loops \(loops) and --shards \(shards) has shards ≤ loops")
        }
        guard brokerCPUs == "auto" || CPUAffinity.parse(brokerCPUs) != nil else {
            throw ValidationError("--broker-cpus is auto or a CPU list like 0,1 (is \(brokerCPUs))")
        }
    }

    func run() throws {
        let session = try MQTTSession(options: options, scenarioNames: scenarios, benchmark: "sweep")
        let loopCounts = Self.counts(loops)!
        let shardCounts = Self.counts(shards)!
        var setups: [BrokerSetup] = []
        var skipped: [SweepSummary.Skipped] = []
        for loopCount in loopCounts {
            for shardCount in shardCounts {
                guard shardCount <= loopCount else {
                    skipped.append(.init(loops: loopCount, shards: shardCount,
                                         reason: "nave requires 1 ≤ router.shards ≤ io.loops (a loop holds at most one shard)"))
                    continue
                }
                setups.append(BrokerSetup(label: "loops \(loopCount), shards \(shardCount)", kind: .nave, binary: options.naveBinary,
                                          loops: loopCount, routerShards: shardCount,
                                          brokerCPUs: try placement(loops: loopCount, session: session), clientCPU: session.clientCPU))
            }
        }
        let pinning = session.clientCPU.map { "client CPU \($0); broker CPUs per setting (\(brokerCPUs)): "
            + setups.map { "\($0.label) on \(CPUAffinity.describe($0.brokerCPUs))" }.joined(separator: "; ") } ?? "none"
        var (result, failures) = try session.measure(setups: setups, settings: [
            "loops": loops, "shards": shards, "brokerCPUs": brokerCPUs, "pinning": pinning,
        ])
        let summary = SweepSummary(loops: loopCounts, shards: shardCounts, skipped: skipped, results: result.results)
        result.sweep = summary
        try session.report(result, table: SweepTable(result: result, summary: summary).render(), failures: failures)
    }

    /// The CPUs a broker with `loops` loops may use; nil when the session does not pin.
    private func placement(loops: Int, session: MQTTSession) throws -> [Int]? {
        guard let clientCPU = session.clientCPU else { return nil }
        let allowed = session.allowedCPUs
        if let list = CPUAffinity.parse(brokerCPUs) {
            guard list.allSatisfy(allowed.contains) else {
                throw ValidationError("--broker-cpus \(brokerCPUs) is not within the CPUs allowed here (\(CPUAffinity.describe(allowed)))")
            }
            return list
        }
        // The load generator's CPU last, so a broker shares it only when it has more loops
        // than the other CPUs (on 2 cores: 2 loops).
        let ordered = allowed.filter { $0 != clientCPU } + allowed.filter { $0 == clientCPU }
        return Array(ordered.prefix(loops)).sorted()
    }

    /// "1,2" → [1, 2], ascending without repeats; nil when malformed.
    static func counts(_ text: String) -> [Int]? {
        let values = text.split(separator: ",").map { Int($0.filter { !$0.isWhitespace }) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return nil }
        return Array(Set(values.compactMap { $0 })).sorted()
    }
}
