import CBenchSupport
import Foundation
import Glibc

/// A `nave-echo` process under test: started pinned to the server CPU with jemalloc's exit-time
/// statistics enabled, observed through /proc, stopped with SIGTERM so jemalloc prints.
final class ServerProcess {
    let backend: String
    let port: Int
    let pid: pid_t
    let logDirectory: String
    private(set) var exitedStatus: Int32?

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var stdoutPath: String { "\(logDirectory)/\(backend)-\(port).out" }
    var stderrPath: String { "\(logDirectory)/\(backend)-\(port).err" }

    /// Spawns `binary --host 127.0.0.1 --port P --backend B --loops L` and waits (at most 10 s)
    /// for its "listening" line. The calling thread is pinned to `serverCPU` for the spawn only,
    /// so the child and all its loop threads inherit that mask.
    init(binary: String, backend: String, port: Int, loops: Int, serverCPU: Int?, clientCPU: Int?,
         logDirectory: String, mallocConf: String) throws {
        self.backend = backend
        self.port = port
        self.logDirectory = logDirectory
        var arguments = ["--host", "127.0.0.1", "--port", "\(port)", "--backend", backend, "--loops", "\(loops)"]
        var executable = binary
        // PDEATHSIG=KILL: the server dies with the benchmark even if the benchmark is SIGKILLed.
        // setpriv execs the server, so the spawned pid is the server's.
        if access("/usr/bin/setpriv", X_OK) == 0 {
            arguments = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--", binary] + arguments
            executable = "/usr/bin/setpriv"
        } else {
            arguments = [binary] + arguments
        }
        // jemalloc prints its statistics (with per-size-class allocation counts) at exit.
        var environment = ProcessInfo.processInfo.environment
        environment["MALLOC_CONF"] = mallocConf

        if let serverCPU { _ = bench_pin_current_thread(Int32(serverCPU)) }
        defer { if let clientCPU { _ = bench_pin_current_thread(Int32(clientCPU)) } }
        pid = try Self.spawn(executable: executable, arguments: arguments,
                             environment: environment.map { "\($0.key)=\($0.value)" },
                             stdoutPath: "\(logDirectory)/\(backend)-\(port).out",
                             stderrPath: "\(logDirectory)/\(backend)-\(port).err")
        ChildProcesses.register(pid)
        try waitUntilListening()
    }

    /// The environment a benchmarked node starts with: this process's, with the node's admin
    /// listener off unless the caller set `NAVE_ADMIN_LISTENERS`: its fixed default port
    /// (127.0.0.1:9600) would keep a second node on the machine from starting, and the harness
    /// reads nothing from it.
    static func nodeEnvironment(adding extra: [String: String] = [:]) -> [String] {
        var environment = ProcessInfo.processInfo.environment
        if environment["NAVE_ADMIN_LISTENERS"] == nil { environment["NAVE_ADMIN_LISTENERS"] = "" }
        environment.merge(extra) { _, added in added }
        return environment.map { "\($0.key)=\($0.value)" }
    }

    /// posix_spawn with stdin from /dev/null and stdout/stderr to files (also used for brokers and load workers).
    static func spawn(executable: String, arguments: [String], environment: [String],
                              stdoutPath: String, stderrPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard status == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    private func waitUntilListening() throws {
        let deadline = monotonicSeconds() + 10
        while monotonicSeconds() < deadline {
            if let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8), text.contains("listening on") { return }
            if reap(blocking: false) {
                throw Failure(description: "nave-echo (\(backend), port \(port)) exited at start (\(Self.describe(status: exitedStatus!))):\n"
                    + ((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""))
            }
            usleep(20_000)
        }
        throw Failure(description: "nave-echo (\(backend), port \(port)) did not report listening within 10 s")
    }

    /// "exit code N" or "signal N" for a waitpid status.
    static func describe(status: Int32) -> String {
        status & 0x7f == 0 ? "exit code \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
    }

    /// Collects the exit status if the process ended; true once it has.
    @discardableResult
    private func reap(blocking: Bool) -> Bool {
        if exitedStatus != nil { return true }
        var status: Int32 = 0
        let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        guard result == pid else { return false }
        exitedStatus = status
        ChildProcesses.forget(pid)
        return true
    }

    // MARK: Observing

    /// utime + stime of every thread of the server, in nanoseconds (clock-tick resolution).
    func cpuNanos() -> Int64 { ProcStat.cpuNanos(pid: pid) ?? 0 }

    /// (VmRSS, VmHWM) in bytes.
    func residentBytes() -> (current: Int, peak: Int) {
        (ProcStat.statusField("VmRSS", pid: pid) ?? 0, ProcStat.statusField("VmHWM", pid: pid) ?? 0)
    }

    // MARK: Stopping

    /// SIGTERM, then up to 10 s for the graceful exit (which prints jemalloc's statistics), then
    /// SIGKILL. Returns jemalloc's counts, or nil when the server did not print them.
    func stop() -> JemallocCounts? {
        if !reap(blocking: false) {
            kill(pid, SIGTERM)
            let deadline = monotonicSeconds() + 10
            while !reap(blocking: false), monotonicSeconds() < deadline { usleep(10_000) }
            if !reap(blocking: false) {
                kill(pid, SIGKILL)
                reap(blocking: true)
            }
        }
        guard let text = try? String(contentsOfFile: stderrPath, encoding: .utf8) else { return nil }
        return JemallocCounts(statsText: text)
    }
}

/// Allocation totals from jemalloc's `stats_print` output: the first "total:" row (all arenas,
/// small size classes and large allocations).
struct JemallocCounts: Codable {
    /// Allocation calls served (malloc, calloc, realloc, aligned allocs). Exact for threads that
    /// have exited; the thread cache's count of the thread printing the statistics (the server's
    /// main thread, which does not touch the hot path) may be partly unmerged.
    var requests: Int
    /// Regions handed out by the arenas (thread-cache fills count every region prefetched).
    var arenaMallocs: Int

    init?(statsText: String) {
        // With several arenas the merged table comes first; with one ("arenas[0]:", as when the
        // server is pinned to one CPU) there is no merged table. Either way the first "total:"
        // row covers every arena.
        guard let start = statsText.range(of: "___ Begin jemalloc statistics ___") else { return nil }
        for line in statsText[start.upperBound...].split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // total: allocated nmalloc (#/sec) ndalloc (#/sec) nrequests (#/sec) ...
            guard fields.first == "total:", fields.count >= 7,
                  let nmalloc = Int(fields[2]), let nrequests = Int(fields[6]) else { continue }
            requests = nrequests
            arenaMallocs = nmalloc
            return
        }
        return nil
    }
}

func monotonicSeconds() -> Double { Double(monotonicNanosForBench()) / 1e9 }

func monotonicNanosForBench() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// Readers for /proc/PID/stat and /proc/PID/status.
enum ProcStat {
    static let nanosPerTick = 1_000_000_000 / Int64(sysconf(Int32(_SC_CLK_TCK)))

    static func cpuNanos(pid: pid_t) -> Int64? {
        cpuSplitNanos(pid: pid).map { $0.user + $0.system }
    }

    /// User and kernel (system) CPU time of `pid`: the kernel's share tells what a broker's own
    /// code can still win (the network stack's cost per message is the same for every broker).
    static func cpuSplitNanos(pid: pid_t) -> (user: Int64, system: Int64)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "comm)": state is field 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        return (user * nanosPerTick, system * nanosPerTick)
    }

    /// Busy time of all CPUs together (everything but idle and iowait), from /proc/stat.
    static func machineBusyNanos() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
        // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
        let ticks = line.split(separator: " ").dropFirst().compactMap { Int64($0) }
        guard ticks.count >= 8 else { return 0 }
        return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) * nanosPerTick
    }

    /// A "Name:   N kB" field of /proc/PID/status, in bytes.
    static func statusField(_ name: String, pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
        }
        return nil
    }
}
