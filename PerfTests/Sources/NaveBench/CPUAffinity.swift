import CBenchSupport

/// CPU lists for pinning: what this process may run on, and pinning the calling thread to a
/// list. A process spawned while its parent thread is pinned inherits that mask, so pinning the
/// spawning thread pins a broker and every loop thread it starts (as `taskset -c LIST` would).
enum CPUAffinity {
    /// The CPUs the calling thread may run on, ascending.
    static func allowed() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = Int(bench_allowed_cpus(&cpus, Int32(cpus.count)))
        return count < 0 ? [] : cpus.prefix(count).map(Int.init)
    }

    /// Pins the calling thread to `cpus`; returns 0 or an errno value.
    @discardableResult
    static func pinCurrentThread(to cpus: [Int]) -> Int32 {
        let list = cpus.map(Int32.init)
        return bench_pin_current_thread_to_cpus(list, Int32(list.count))
    }

    /// Runs `body` with the calling thread pinned to `cpus` (nil: as it is), then restores the
    /// mask it had: the load generator's pinning survives a broker's spawn.
    static func whilePinned<T>(to cpus: [Int]?, _ body: () throws -> T) rethrows -> T {
        guard let cpus else { return try body() }
        let saved = allowed()
        pinCurrentThread(to: cpus)
        defer { pinCurrentThread(to: saved) }
        return try body()
    }

    /// "0,1", "0-3" or "0,2-3" (taskset's list syntax); nil when malformed.
    static func parse(_ text: String) -> [Int]? {
        var cpus: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            switch bounds.count {
            case 1: guard let cpu = bounds[0], cpu >= 0 else { return nil }; cpus.append(cpu)
            case 2:
                guard let low = bounds[0], let high = bounds[1], 0 <= low, low <= high else { return nil }
                cpus += Array(low...high)
            default: return nil
            }
        }
        let unique = Array(Set(cpus)).sorted()
        return unique.isEmpty ? nil : unique
    }

    /// "0,1": the list as `taskset -c` takes it.
    static func describe(_ cpus: [Int]?) -> String {
        cpus.map { $0.map(String.init).joined(separator: ",") } ?? "any"
    }
}
