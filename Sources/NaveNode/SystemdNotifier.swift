import Glibc

/// systemd's readiness protocol (`sd_notify(3)`) without libsystemd: one datagram per state
/// change to the `AF_UNIX` socket named by `NOTIFY_SOCKET` — a path, or an abstract name
/// written with a leading `@`. A unit with `Type=notify` waits for `READY=1`; `STOPPING=1`
/// announces the drain; `STATUS=` is shown by `systemctl status`; with `WatchdogSec=` systemd
/// sets `WATCHDOG_USEC` and restarts a service that does not send `WATCHDOG=1` within it.
public struct SystemdNotifier: Sendable {
    /// The socket's address as `sendto` takes it.
    private let address: [UInt8]
    /// Half of `WATCHDOG_USEC`, when systemd asked for keep-alives (sd_watchdog_enabled(3)
    /// recommends half).
    public let watchdogInterval: Duration?
    /// The longest socket name `sockaddr_un` holds (bytes, without the terminating NUL).
    static let socketPathBytesMax = 107

    /// Nil when `NOTIFY_SOCKET` is absent or unusable: not run by systemd, nothing to tell.
    public init?(environment: [String: String]) {
        guard let name = environment["NOTIFY_SOCKET"], !name.isEmpty, name.utf8.count <= Self.socketPathBytesMax,
              name.hasPrefix("/") || name.hasPrefix("@") else { return nil }
        var path = Array(name.utf8)
        if path[0] == UInt8(ascii: "@") { path[0] = 0 }  // the abstract namespace
        address = path
        // WATCHDOG_PID, when set, names the process meant; another one (a child) must not answer.
        let meant = environment["WATCHDOG_PID"].flatMap { Int32($0) }
        if let micros = environment["WATCHDOG_USEC"].flatMap(Int64.init), micros > 0, meant == nil || meant == getpid() {
            watchdogInterval = .microseconds(micros / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends `state` ("READY=1\nSTATUS=…"); false when the datagram could not be sent (then
    /// systemd sees nothing, as `sd_notify` returning an error).
    @discardableResult
    public func notify(_ state: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { target in
            target.copyBytes(from: address)
        }
        // An abstract name's length is exact (no terminating NUL); a path's includes the NUL.
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = socklen_t(pathOffset + address.count + (address.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), target, length)
            }
        }
        return sent == message.count
    }

    /// Sends `WATCHDOG=1` every `watchdogInterval` until the task is cancelled; returns at once
    /// without a watchdog. The keep-alive comes from the node's own task, so a node whose
    /// concurrency pool is wedged stops sending and systemd restarts it.
    public func keepWatchdogAlive() async {
        guard let watchdogInterval else { return }
        while !Task.isCancelled {
            notify("WATCHDOG=1")
            try? await Task.sleep(for: watchdogInterval)
        }
    }
}
