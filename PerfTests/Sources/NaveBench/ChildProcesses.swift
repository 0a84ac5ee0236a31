import Glibc

/// Every server process the benchmark started, so none outlives it: they are killed on normal
/// exit (atexit), on SIGINT/SIGTERM/SIGHUP (signal handler), and, where `setpriv` exists, by the
/// kernel when the benchmark dies any other way (the children run with PDEATHSIG=KILL).
///
/// A fixed array of pids: the signal handler may only touch memory that needs no lock or
/// allocation, and may only call async-signal-safe functions (`kill`, `_exit`).
enum ChildProcesses {
    private static let capacity = 64
    nonisolated(unsafe) private static let pids: UnsafeMutablePointer<pid_t> = {
        let pids = UnsafeMutablePointer<pid_t>.allocate(capacity: capacity)
        pids.initialize(repeating: 0, count: capacity)
        return pids
    }()

    /// Installs the exit and signal hooks once, before the first child starts.
    static func installCleanupHooks() {
        _ = pids // materialise the table outside any signal handler
        atexit { ChildProcesses.killAll() }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                ChildProcesses.killAll()
                _exit(128 + received)
            }
        }
    }

    /// Records a started child. The main thread is the only writer.
    static func register(_ pid: pid_t) {
        for index in 0..<capacity where pids[index] == 0 {
            pids[index] = pid
            return
        }
        kill(pid, SIGKILL)
        fatalError("more than \(capacity) benchmark child processes")
    }

    /// Forgets a child that has been reaped (its pid may be reused).
    static func forget(_ pid: pid_t) {
        for index in 0..<capacity where pids[index] == pid { pids[index] = 0 }
    }

    /// SIGKILL to every child still registered (async-signal-safe).
    /// Waits until `pid` used under 2 % of a core over 200 ms (at most `timeoutSeconds`): a
    /// saturated target keeps draining after the load stops (PERF.md rule 3).
    @discardableResult
    static func waitUntilIdle(pid: pid_t, timeoutSeconds: Double) -> Bool {
        let deadline = monotonicSeconds() + timeoutSeconds
        while monotonicSeconds() < deadline {
            let before = ProcStat.cpuNanos(pid: pid) ?? 0
            usleep(200_000)
            if (ProcStat.cpuNanos(pid: pid) ?? 0) - before <= 4_000_000 { return true }
        }
        return false
    }

    /// SIGTERM, then SIGKILL if `pid` is still there after `graceSeconds`; reaps it.
    static func terminate(_ pid: pid_t, graceSeconds: Double) {
        kill(pid, SIGTERM)
        let deadline = monotonicSeconds() + graceSeconds
        var status: Int32 = 0
        var reaped = false
        while monotonicSeconds() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true; break }
            usleep(10_000)
        }
        if !reaped {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        forget(pid)
    }

    static func killAll() {
        for index in 0..<capacity where pids[index] > 0 {
            kill(pids[index], SIGKILL)
        }
    }
}
