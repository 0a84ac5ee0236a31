import Foundation
import Testing

/// Above the engine, monotonic time comes from the loop (`loop.nowNanos`, `readClockNanos()`),
/// whose clock `EventLoopConfiguration.clock` injects: a direct read of CLOCK_MONOTONIC would
/// run on real time while the rest of a node runs on a test's `ManualLoopClock`.
@Suite("Loop clock")
struct LoopClockTests {
    /// Targets that may read CLOCK_MONOTONIC themselves, and why.
    static let exempt: [String: String] = [
        "NaveIO": "the engine: SystemLoopClock and monotonicNanos() live here",
        "NaveStore": "the event log's writer threads wait on a condition variable with CLOCK_MONOTONIC deadlines (ConditionLock), off the loops",
        "NaveCLI": "a client program (nave monitor-events), not part of the node",
    ]

    @Test("no target above the engine reads CLOCK_MONOTONIC or monotonicNanos() directly")
    func monotonicTimeComesFromTheLoop() throws {
        let sources = LayerTests.root.appendingPathComponent("Sources")
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path) where Self.exempt[target] == nil {
            let directory = sources.appendingPathComponent(target)
            let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for needle in ["monotonicNanos()", "CLOCK_MONOTONIC"] {
                    #expect(!text.contains(needle), "Sources/\(target)/\(file) reads \(needle): use the loop's clock")
                }
            }
        }
    }
}
