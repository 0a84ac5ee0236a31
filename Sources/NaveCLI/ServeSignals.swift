import Foundation
import Glibc

/// The signals `nave serve` acts on, as an async sequence. The handlers are installed when this
/// is made — the first thing `serve` does, so a SIGHUP or SIGTERM during start-up waits in the
/// pipe instead of killing the process by the default action. A handler only writes one byte to
/// a pipe (the only async-signal-safe hand-off); a thread of its own reads the pipe, so no
/// cooperative thread ever blocks on it.
///
/// Why not `ServiceGroup`'s own signal handling: it cannot give the same signal two meanings
/// (the first SIGTERM drains, a second stops at once: graceful and cancellation signals must not
/// overlap), it has no reload, and its handlers exist only once the group runs, after the hub
/// opened. The group still runs the node; `ServeLifecycle` turns these signals into its calls.
final class ServeSignals: Sendable {
    enum Signal: Sendable { case stop, reload }

    nonisolated(unsafe) private static var writeFD: Int32 = -1
    private static let stopByte: UInt8 = 1
    private static let reloadByte: UInt8 = 2
    let signals: AsyncStream<Signal>

    init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        // Not inherited by the processes the node starts.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let readFD = fds[0]
        Self.writeFD = fds[1]
        let (stream, continuation) = AsyncStream.makeStream(of: Signal.self)
        signals = stream
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in
                var byte = ServeSignals.stopByte
                _ = Glibc.write(ServeSignals.writeFD, &byte, 1)
            }
        }
        signal(SIGHUP) { _ in
            var byte = ServeSignals.reloadByte
            _ = Glibc.write(ServeSignals.writeFD, &byte, 1)
        }
        let reader = Thread {
            while true {
                var byte: UInt8 = 0
                let count = Glibc.read(readFD, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                guard count == 1 else { return continuation.finish() }
                continuation.yield(byte == Self.reloadByte ? .reload : .stop)
            }
        }
        reader.name = "nave-signals"
        reader.start()
    }
}
