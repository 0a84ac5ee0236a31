import ArgumentParser

/// `nave-bench`: Nave's benchmark harness (see /work/shared/PERF.md for the rules it follows).
@main
struct NaveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nave-bench",
        abstract: "Nave's benchmarks. Every run writes a JSON result, and an SVG chart beside it, under PerfTests/results/.",
        subcommands: [EchoCommand.self, MQTTCommand.self, CompareCommand.self, SweepCommand.self, HubCommand.self, SoakCommand.self, MQTTWorkerCommand.self,
                      ChartCommand.self,
                      AMQPSpikeCommand.self, AMQPSpikeServerCommand.self, AMQPCommand.self]
    )
}
