import Glibc
import NaveIO
import Synchronization
import Testing

/// Both engine backends: every conformance test runs against each.
let allBackends: [EventLoopConfiguration.BackendChoice] = [.ioUring, .epoll]

/// A group of `loops` loops on `backend`, listening on an ephemeral loopback port.
final class TestServer: Sendable {
    let group: EventLoopGroup
    let listener: ListeningSocket

    init(backend: EventLoopConfiguration.BackendChoice, loops: Int = 2,
         configure: (inout EventLoopConfiguration) -> Void = { _ in },
         makeHandler: @escaping ConnectionHandlerFactory) throws {
        var configuration = EventLoopConfiguration(loopCount: loops)
        configuration.backend = backend
        configure(&configuration)
        group = try EventLoopGroup(configuration: configuration)
        listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!, makeHandler: makeHandler)
    }

    var port: Int { listener.address.port }

    /// Open connections over all loops, read on each loop's thread.
    var connectionCount: Int {
        group.loops.reduce(0) { total, loop in total + loop.submitAndWait { loop.connectionCount } }
    }

    func stop(gracePeriod: Duration = .seconds(1)) { group.shutdownGracefully(gracePeriod: gracePeriod) }
}

/// A started group of `loops` loops on `backend`.
func makeGroup(backend: EventLoopConfiguration.BackendChoice, loops: Int) throws -> EventLoopGroup {
    var configuration = EventLoopConfiguration(loopCount: loops)
    configuration.backend = backend
    return try EventLoopGroup(configuration: configuration)
}

/// Polls `condition` every millisecond until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = monotonicNanos() + timeout.nanoseconds
    while monotonicNanos() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// A blocking loopback client socket, independent of the engine under test.
final class BlockingClient {
    private(set) var fd: Int32

    init(port: Int, source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
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

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// Reads exactly `count` bytes (or fewer if the peer closes or 10 s pass).
    func receive(count: Int) -> [UInt8] {
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
    func receiveUntilClosed(limit: Int = 1 << 24) -> [UInt8] {
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { break }
            result.append(contentsOf: chunk[0..<received])
        }
        return result
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with RST instead of FIN.
    func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }
}

/// Deterministic bytes for payload checks.
func patternBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    // A 251-byte period (prime, so it never lines up with buffer sizes), tiled by memcpy: debug
    // builds make a per-element closure far too slow for the multi-megabyte payloads used here.
    let period = (0..<251).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        var offset = 0
        period.withUnsafeBytes { source in
            while offset < count {
                let piece = min(period.count, count - offset)
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[offset..<(offset + piece)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<piece]))
                offset += piece
            }
        }
        initialized = count
    }
}

/// Records what handlers saw, from loop threads, for the test thread to inspect.
final class EventRecorder: Sendable {
    private let state = Mutex<(closeReasons: [CloseReason], received: Int, active: Int)>(([], 0, 0))

    func active() { state.withLock { $0.active += 1 } }
    func received(_ count: Int) { state.withLock { $0.received += count } }
    func closed(_ reason: CloseReason) { state.withLock { $0.closeReasons.append(reason) } }

    var closeReasons: [CloseReason] { state.withLock { $0.closeReasons } }
    var receivedBytes: Int { state.withLock { $0.received } }
    var activeCount: Int { state.withLock { $0.active } }
}

/// Compares byte arrays and reports the first difference. `#expect(a == b)` on megabytes would
/// make Swift Testing compute a collection diff on failure, which takes minutes.
func expectSameBytes(_ actual: [UInt8], _ expected: [UInt8], _ context: String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual != expected else { return }
    let firstDifference = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(actual.count, expected.count)
    Issue.record("\(context) bytes differ: got \(actual.count), expected \(expected.count), first difference at \(firstDifference)",
                 sourceLocation: sourceLocation)
}
