import CNaveURing
import Glibc

/// An operating-system error number with the text `strerror` gives for it.
public struct Errno: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    static var current: Errno { Errno(cnave_errno()) }
    public var description: String { "\(String(cString: strerror(code))) (errno \(code))" }
}

/// Thin, checked wrappers over the socket system calls the engine makes outside the rings.
enum Socket {
    /// IP_BIND_ADDRESS_NO_PORT (linux/in.h), which Glibc's module does not export.
    static let bindAddressNoPort: Int32 = 24

    /// io_uring wants blocking sockets (it returns EAGAIN for O_NONBLOCK ones instead of waiting
    /// for readiness itself); epoll needs non-blocking ones.
    static func makeTCP(family: Int32, nonBlocking: Bool) throws(Errno) -> Int32 {
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        let fd = socket(family, flags, 0)
        guard fd >= 0 else { throw Errno.current }
        return fd
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A listening socket with SO_REUSEPORT, so each loop owns one and the kernel spreads
    /// incoming connections across loops without a shared accept queue.
    static func listen(at address: SocketAddress, backlog: Int32, nonBlocking: Bool) throws(Errno) -> Int32 {
        let fd = try makeTCP(family: address.family, nonBlocking: nonBlocking)
        setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1)
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = Errno.current
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Throws EADDRINUSE when another socket already listens on `address`. SO_REUSEPORT would
    /// otherwise let a second process (same user) bind the same port and silently take half of
    /// the connections; a probe bound without it fails instead. Port 0 needs no probe.
    static func ensureUnused(_ address: SocketAddress) throws(Errno) {
        guard address.port != 0 else { return }
        let fd = try makeTCP(family: address.family, nonBlocking: true)
        defer { Glibc.close(fd) }
        setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else { throw Errno.current }
    }

    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    static func peerAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    /// Accepted and connected sockets: no Nagle delay (MQTT acks are small and latency-bound).
    static func configureStream(_ fd: Int32) {
        setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length)
        return value
    }

    /// Makes the next close send RST instead of FIN (an abortive close, SO_LINGER 0).
    static func setAbortiveClose(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }
}
