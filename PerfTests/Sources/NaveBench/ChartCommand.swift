import ArgumentParser
import Foundation

/// `nave-bench chart FILE.json…`: (re)draws the SVG beside results written before charts
/// existed, or after the chart code changed; every run also draws its own.
struct ChartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart",
        abstract: "Write FILE.svg beside each FILE.json result: latency against rate for sweeps, broker against broker for compares, bars otherwise.")

    @Argument(help: "JSON results written by nave-bench.") var results: [String]

    func run() throws {
        for path in results {
            guard let svg = ResultChart.writeBeside(path) else { throw ValidationError("\(path) is not a JSON result") }
            print(svg)
        }
    }
}
