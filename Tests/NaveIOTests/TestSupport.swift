import Glibc
import NaveIO
@_exported import NaveSocketTestSupport
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
