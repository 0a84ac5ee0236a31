import Glibc
import NaveHTTP
import NaveIO
import NaveServiceAPI
import NaveSocketTestSupport
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
        let client = try BlockingClient(port: listening.address.port)
        client.send("GET /first HTTP/1.1\r\nHost: localhost\r\n\r\nGET /second HTTP/1.1\r\nHost: localhost\r\n")
        #expect(client.responseHead(withinMillis: 2_000).hasPrefix("HTTP/1.1 200"))

        clock.advance(by: .milliseconds(9_900))
        await clock.settle()
        #expect(client.responseHead(withinMillis: 50) == "", "answered before requestTimeoutMillis on the loop's clock")

        // The check runs every requestTimeoutMillis / 2: past 15 s it has seen the timeout.
        clock.advance(by: .milliseconds(5_200))
        await clock.settle()
        #expect(client.responseHead(withinMillis: 2_000).hasPrefix("HTTP/1.1 408"), "no 408 at 15.1 s on the loop's clock")
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

extension BlockingClient {
    /// An HTTP response head (and what came with it) that arrives within `milliseconds` of each
    /// read; "" when nothing came.
    fileprivate func responseHead(withinMillis milliseconds: Int32) -> String {
        String(decoding: receive(withinMillis: milliseconds) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") },
               as: UTF8.self)
    }
}
