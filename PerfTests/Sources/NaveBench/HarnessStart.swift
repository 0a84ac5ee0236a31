import ArgumentParser
import CBenchSupport
import Foundation
import Logging

/// What every node-driving benchmark does before its first connection: clean up children on
/// exit, note the load average, pin the harness to its CPU (the node gets the other: PERF.md
/// rule 2), quiet the harness's logging, and make its log folder.
struct HarnessStart {
    /// /proc/loadavg's one-minute figure when the run began (a noisy machine shows here).
    let loadAverageBefore: Double
    /// False on a machine with one allowed CPU: target and load generator then share cores.
    let pinning: Bool
    /// CPUs this process may run on.
    let allowedCPUs: Int
    let logDirectory: String

    /// `logDirectory` nil: a fresh folder `nave-bench-<name>-<pid>` under the temporary directory.
    init(name: String, clientCPU: Int, noPin: Bool, logDirectory: String?) throws {
        ChildProcesses.installCleanupHooks()
        loadAverageBefore = Self.loadAverage()
        let cpus = Int(bench_allowed_cpu_count())
        allowedCPUs = cpus
        pinning = cpus >= 2 && !noPin
        if pinning, bench_pin_current_thread(Int32(clientCPU)) != 0 { throw ValidationError("cannot pin to CPU \(clientCPU)") }
        if !pinning { progress("warning: not pinning (\(cpus) CPUs allowed): target and load generator share cores") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        self.logDirectory = logDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("nave-bench-\(name)-\(getpid())").path
        try FileManager.default.createDirectory(atPath: self.logDirectory, withIntermediateDirectories: true)
    }

    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return 0 }
        return Double(text.split(separator: " ").first ?? "") ?? 0
    }
}
