import Glibc
import NaveHTTP
import NaveIO
import NaveServiceAPI
import Testing

/// The HTTP connection handler's request timeout reads its loop's injected clock: on a
/// `ManualLoopClock` an incomplete request gets its 408 only once the clock passes
/// `requestTimeoutMillis`, and the lingering connection closes after as long again — 26
/// seconds of timeouts in milliseconds of real time. Plain HTTP on loopback (the node's
/// listeners are TLS; the handler is the same behind them).
@Suite("HTTP timeouts on a manual loop clock", .serialized)
struct HTTPTimeoutOnManualClockTests {
    struct OKResponder: HTTPResponder {
        func respond(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPResponse { HTTPResponse(status: 200) }
        func refusal(for error: HTTPDecodeError) -> HTTPResponse { HTTPResponse(status: 400) }
    }

    @Test("an incomplete request gets 408 once the clock passes requestTimeoutMillis, not before; the connection closes after as long again")
    func incompleteRequestTimesOut() async throws {
        let realStart = monotonicNanos()
        let clock = ManualLoopClock()
        var engine = EventLoopConfiguration(loopCount: 1)
        engine.clock = clock
        let group = try EventLoopGroup(configuration: engine, logger: quietLogger())
        defer { group.shutdownGracefully(gracePeriod: .zero) }
        var limits = HTTPConnectionLimits()
        limits.requestTimeoutMillis = 10_000
        limits.idleTimeoutMillis = 60_000
        let service = HTTPService(responder: OKResponder(), limits: limits, logger: quietLogger())
        let listening = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { service.makeHandler(for: $0) }

        // A complete request, then the head of a second one without its blank line, in one
        // write: once the first is answered the server holds the second, begun at 0 on the clock.
        let client = try LoopbackClient(port: listening.address.port)
        client.send("GET /first HTTP/1.1\r\nHost: localhost\r\n\r\nGET /second HTTP/1.1\r\nHost: localhost\r\n")
        #expect(client.receive(withinMillis: 2_000).hasPrefix("HTTP/1.1 200"))

        clock.advance(by: .milliseconds(9_900))
        await clock.settle()
        #expect(client.receive(withinMillis: 50) == "", "answered before requestTimeoutMillis on the loop's clock")

        // The check runs every requestTimeoutMillis / 2: past 15 s it has seen the timeout.
        clock.advance(by: .milliseconds(5_200))
        await clock.settle()
        #expect(client.receive(withinMillis: 2_000).hasPrefix("HTTP/1.1 408"), "no 408 at 15.1 s on the loop's clock")
        #expect(!client.isClosedByPeer(withinMillis: 50), "closed at once instead of lingering")

        clock.advance(by: .seconds(11))
        await clock.settle()
        #expect(client.isClosedByPeer(withinMillis: 2_000), "still lingering 11 s after the 408 on the loop's clock")

        // Typically 0.1 s; loose for a loaded shared host: it only has to show that the 10-s
        // timeout did not pass in real time.
        let realSeconds = Double(monotonicNanos() - realStart) / 1e9
        #expect(realSeconds < 10, "took \(realSeconds) s of real time for 26 s on the manual clock")
    }
}

/// A loopback TCP client whose reads wait at most as long as asked.
private final class LoopbackClient {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Errno(errno)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Whatever arrives within `milliseconds` (up to a response head and a little more), read
    /// until it has a complete head; "" when nothing came.
    func receive(withinMillis milliseconds: Int32) -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, milliseconds) > 0 else { break }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// True as soon as the peer closes; false when it is still open after `milliseconds`.
    func isClosedByPeer(withinMillis milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
        var byte: UInt8 = 0
        let received = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        return received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}
