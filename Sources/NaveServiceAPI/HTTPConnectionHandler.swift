import Logging
import NaveHTTP
import NaveIO

/// One HTTP/1.1 connection (usually inside TLS): bytes → `HTTPRequestDecoder` → the responder,
/// one request at a time; responses go out in request order. Reading pauses while a request is
/// being answered, so pipelined requests wait in the kernel, not in our memory.
///
/// An actor on its connection's loop, as `MQTTConnectionHandler` is: the engine's callbacks
/// step into it with `EventLoop.runIsolated`, and the responder runs in a task isolated to it
/// that prefers the loop as its task executor, so the responder's own async code stays on the
/// loop thread and the answer comes back there.
actor HTTPConnectionHandler: ConnectionHandler, TimerHandler {
    private let service: HTTPService
    private var responder: any HTTPResponder { service.responder }
    private var limits: HTTPConnectionLimits { service.limits }
    private var logger: Logger { service.logger }
    private let connection: Connection
    private var decoder: HTTPRequestDecoder
    /// The TLS handshake is done (`connectionActive`); until then the request clock runs from accept.
    private var active = false
    private var busy = false
    private var closing = false
    /// Bytes of a request that has not completed yet have arrived. The decoder consumes each
    /// complete line as it comes, so its buffered byte count cannot tell: with that alone, a
    /// client sending one header line at a time restarted the request clock at every line.
    private var requestStarted = false
    /// A refusal went out while the client may still be sending (a body over the limit, a
    /// request too slow): its bytes are now read and dropped until it closes or
    /// `requestTimeoutMillis` pass. Closing at once with unread bytes resets the connection,
    /// which can destroy the refusal before the client reads it (RFC 9112 §9.6); the service
    /// SDK (requests) sends its whole body before reading and gives up when a send fails.
    private var lingering = false
    /// When the request being received began, or when the connection went idle (monotonic ns,
    /// the loop's injected clock). Read now (`readClockNanos`), not `loop.nowNanos`: that is
    /// when the loop's turn began, which may be up to a timer period before the bytes that woke
    /// it (a 408 came early by that much).
    private var clockStartNanos: Int64 = 0
    private var timer: TimerID?

    nonisolated var unownedExecutor: UnownedSerialExecutor { connection.loop.executor }

    /// Called on the connection's loop when it is accepted. The timer starts now, not at
    /// `connectionActive`: a client that never finishes its TLS handshake must not hold the
    /// connection for ever, so the request timeout covers the handshake too.
    init(service: HTTPService, connection: Connection) {
        self.service = service
        self.connection = connection
        let limits = service.limits
        decoder = HTTPRequestDecoder(headerBytesMax: limits.headerBytesMax, bodyBytesMax: limits.requestBodyBytesMax)
        clockStartNanos = connection.loop.readClockNanos()
        connection.loop.runIsolated(self) { $0.armTimer() }
    }

    // MARK: Entry points, on the loop thread

    nonisolated func connectionActive(_ connection: Connection) {
        connection.loop.runIsolated(self) { $0.becameActive() }
    }

    nonisolated func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        // Lent for this synchronous call on the loop thread only; the decoder copies what it keeps.
        nonisolated(unsafe) let bytes = bytes
        connection.loop.runIsolated(self, bytes) { $0.received($1) }
    }

    nonisolated func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        connection.loop.runIsolated(self) { $0.closed() }
    }

    nonisolated func timerFired(token: UInt64) {
        connection.loop.runIsolated(self) { $0.timerFired() }
    }

    // MARK: Requests

    private func becameActive() {
        active = true
        clockStartNanos = connection.loop.readClockNanos()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard !closing, !lingering, bytes.count > 0 else { return }
        if !busy && !requestStarted { clockStartNanos = connection.loop.readClockNanos() }
        requestStarted = true
        decoder.feed(bytes)
        processNext()
    }

    private func closed() {
        closing = true
        if let timer { _ = connection.loop.cancelTimer(timer) }
    }

    private func processNext() {
        guard !busy, !closing else { return }
        let request: HTTPRequest
        do {
            guard let next = try decoder.next() else { return }
            request = next
            // What follows a complete request is the start of the next one (pipelining).
            requestStarted = decoder.bufferedByteCount > 0
        } catch {
            logger.info("http request refused", metadata: ["reason": "\(error)"])
            return refuseAndLinger(responder.refusal(for: error))
        }
        if let endpoint = service.webSockets[String(request.head.path)] {
            return upgrade(request, to: endpoint)
        }
        busy = true
        connection.pauseReading()
        let peer = HTTPPeer(certificateDER: connection.peerCertificateDER, address: connection.remoteAddress.map { "\($0)" })
        let responder = responder
        Task(executorPreference: connection.loop.taskExecutor) { [self] in
            let response = await responder.respond(to: request, from: peer)
            await answered(response, keepAlive: request.head.keepAlive)
        }
    }

    private func answered(_ response: HTTPResponse, keepAlive: Bool) {
        guard !closing else { return }
        busy = false
        finish(response, keepAlive: keepAlive)
        guard !closing else { return }
        clockStartNanos = connection.loop.readClockNanos()
        connection.resumeReading()
        processNext()
    }

    private func finish(_ response: HTTPResponse, keepAlive: Bool) {
        var bytes: [UInt8] = []
        response.encode(date: nil, keepAlive: keepAlive, into: &bytes)
        bytes.withUnsafeBytes { connection.write($0) }
        if !keepAlive {
            closing = true
            connection.close()
        }
    }

    /// Sends a closing refusal, then lingers (`lingering`) instead of closing at once.
    private func refuseAndLinger(_ response: HTTPResponse) {
        var bytes: [UInt8] = []
        response.encode(date: nil, keepAlive: false, into: &bytes)
        bytes.withUnsafeBytes { connection.write($0) }
        lingering = true
        clockStartNanos = connection.loop.readClockNanos()
    }

    // MARK: WebSocket

    /// Answers the upgrade (RFC 6455 §4.2.2) and hands the connection to the endpoint's
    /// handler behind WebSocket framing; bytes that followed the request go with it. This
    /// handler is done afterwards.
    private func upgrade(_ request: HTTPRequest, to endpoint: WebSocketEndpoint) {
        var response: [UInt8] = []
        do {
            let accepted = try WebSocketHandshake.accept(request.head, subprotocols: [endpoint.subprotocol], subprotocolRequired: true)
            accepted.encodeResponse(into: &response)
        } catch {
            logger.info("websocket upgrade refused", metadata: ["reason": "\(error)"])
            error.encodeResponse(into: &response)
            response.withUnsafeBytes { connection.write($0) }
            closing = true
            return connection.close()
        }
        response.withUnsafeBytes { connection.write($0) }
        closing = true
        if let timer { _ = connection.loop.cancelTimer(timer) }
        let framing = WebSocketStreamFraming(frameBytesMax: endpoint.frameBytesMax)
        connection.upgrade(to: endpoint.makeHandler(connection), framing: framing, pending: decoder.takeBufferedBytes())
    }

    // MARK: Timeouts

    private func armTimer() {
        timer = connection.loop.schedule(after: .milliseconds(min(limits.requestTimeoutMillis, limits.idleTimeoutMillis) / 2 + 1),
                                         handler: self, token: 0)
    }

    /// A request that takes longer than `requestTimeoutMillis` to arrive gets 408 (a slow
    /// client cannot hold a connection with a trickle), and lingering ends after as long again;
    /// an idle keep-alive connection is closed, and so is a TLS handshake that takes too long.
    private func timerFired() {
        timer = nil
        guard !closing else { return }
        let elapsedMillis = (connection.loop.readClockNanos() - clockStartNanos) / 1_000_000
        if !active, elapsedMillis >= limits.requestTimeoutMillis {
            logger.info("tls handshake timed out")
            closing = true
            return connection.close()
        }
        if lingering {
            guard elapsedMillis < limits.requestTimeoutMillis else {
                closing = true
                return connection.close()
            }
        } else if active, !busy {
            if requestStarted, elapsedMillis >= limits.requestTimeoutMillis {
                logger.info("http request timed out", metadata: ["bufferedBytes": "\(decoder.bufferedByteCount)"])
                refuseAndLinger(HTTPResponse(status: 408))
                return armTimer()
            }
            if !requestStarted, elapsedMillis >= limits.idleTimeoutMillis {
                closing = true
                return connection.close()
            }
        }
        armTimer()
    }
}
