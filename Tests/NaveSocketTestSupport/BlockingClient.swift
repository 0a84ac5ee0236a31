import Glibc
import NaveIO

/// CLOCK_MONOTONIC: tests wait in real time, whatever clock the engine under test reads.
func realNanos() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// Polls `condition` every millisecond until it holds or `timeout` passes.
public func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = realNanos() + Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
    while realNanos() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// A blocking loopback client socket, independent of the engine and of any protocol library
/// under test: every suite that speaks bytes to a real listener uses this one. Reads and writes
/// give up after `timeoutSeconds`.
public final class BlockingClient {
    public private(set) var fd: Int32

    public init(port: Int, source: String? = nil, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw Errno(errno) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = Errno(errno)
            close(fd)
            throw error
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    public func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// Reads exactly `count` bytes (or fewer if the peer closes or the timeout passes).
    public func receive(count: Int) -> [UInt8] {
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < count {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, count - result.count), 0) }
            guard received > 0 else { break }
            result.append(contentsOf: chunk[0..<received])
        }
        return result
    }

    /// Reads until the peer closes; returns what arrived.
    public func receiveUntilClosed(limit: Int = 1 << 24) -> [UInt8] {
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { break }
            result.append(contentsOf: chunk[0..<received])
        }
        return result
    }

    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    public func send(_ text: String) { send(Array(text.utf8)) }

    /// What arrives within `milliseconds` of each read, until `isComplete` holds for what came
    /// (or the peer closes, or a read waits longer): a short look, not the socket's timeout.
    public func receive(withinMillis milliseconds: Int32, until isComplete: ([UInt8]) -> Bool) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !isComplete(received) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, milliseconds) > 0 else { break }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        return received
    }

    /// True when the peer closed (end of stream or reset) within the socket's timeout; false
    /// when it stayed open.
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        let received = recv(fd, &byte, 1, 0)
        return received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// True as soon as the peer closes, false when it is still open after `milliseconds`: a
    /// short look that does not wait the socket's timeout (the peer sends nothing).
    public func isClosedByPeer(withinMillis milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
        var byte: UInt8 = 0
        let received = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        return received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Closes with RST instead of FIN.
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }
}
