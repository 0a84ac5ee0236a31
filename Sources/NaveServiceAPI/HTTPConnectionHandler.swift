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
    /// A streamed request being received: its head and where its body goes.
    private var upload: (head: HTTPRequestHead, sink: any HTTPBodySink)?
    /// A streamed response being sent: its source, the bytes still to send, and keep-alive.
    private var download: (source: any HTTPBodySource, remaining: Int64, keepAlive: Bool)?
    /// Bytes read from a body source per write (a send-queue chunk's worth of work per step).
    private static let downloadChunkBytes = 64 << 10

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

    nonisolated func connectionDidBecomeWritable(_ connection: Connection) {
        connection.loop.runIsolated(self) { $0.pumpDownload() }
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
        upload?.sink.cancel()
        upload = nil
        download?.source.close()
        download = nil
    }

    /// Made at the first request (after the TLS handshake, so the client certificate is known)
    /// and kept: the address needs a system call, and the peer carries the connection's
    /// `ServiceTokenCache`.
    private var knownPeer: HTTPPeer?

    private var peer: HTTPPeer {
        if let knownPeer { return knownPeer }
        let peer = HTTPPeer(certificateDER: connection.peerCertificateDER, address: connection.remoteAddress.map { "\($0)" })
        knownPeer = peer
        return peer
    }

    /// Takes parts out of the decoder until a request is being answered: whole requests go to
    /// the responder; a streamed request's body parts go to its sink as they arrive.
    private func processNext() {
        while !busy, !closing, !lingering {
            let part: HTTPRequestPart
            do {
                let responder = responder
                guard let next = try decoder.nextPart(streamingBodyBytesMax: { responder.streamedBodyBytesMax(for: $0) }) else { return }
                part = next
            } catch {
                logger.info("http request refused", metadata: ["reason": "\(error)"])
                upload?.sink.cancel()
                upload = nil
                return refuseAndLinger(responder.refusal(for: error))
            }
            switch part {
            case .request(let request):
                // What follows a complete request is the start of the next one (pipelining).
                requestStarted = decoder.bufferedByteCount > 0
                // Compared in place: a String made of every request's path only to look it up
                // among one or two endpoints was a heap allocation per request.
                let path = request.head.path
                if let endpoint = service.webSockets.first(where: { $0.key == path })?.value {
                    return upgrade(request, to: endpoint)
                }
                respond(to: request)
            case .head(let head):
                switch responder.beginStream(head, from: peer) {
                case .accept(let sink): upload = (head, sink)
                case .refuse(let response): return refuseAndLinger(response)
                }
            case .bodyPart(let bytes):
                // A streamed body's clock restarts with each part: the timeout bounds a stall,
                // not an upload of up to `blobBytesMax` from a client that holds a valid SAS.
                clockStartNanos = connection.loop.readClockNanos()
                bytes.withUnsafeBytes { upload?.sink.write($0) }
            case .end:
                requestStarted = decoder.bufferedByteCount > 0
                guard let (head, sink) = upload else { continue }
                upload = nil
                busy = true
                connection.pauseReading()
                let route = responder.metricRoute(for: head)
                Task(executorPreference: connection.loop.taskExecutor) { [self] in
                    let reply = await sink.finish()
                    await answered(reply, keepAlive: head.keepAlive, route: route)
                }
            }
        }
    }

    private func respond(to request: HTTPRequest) {
        busy = true
        connection.pauseReading()
        let peer = peer
        let responder = responder
        let route = responder.metricRoute(for: request.head)
        Task(executorPreference: connection.loop.taskExecutor) { [self] in
            let reply = await responder.reply(to: request, from: peer)
            await answered(reply, keepAlive: request.head.keepAlive, route: route)
        }
    }

    private func answered(_ reply: HTTPReply, keepAlive: Bool, route: String?) {
        if let route {
            connection.loop.count(LoopCounterKey("nave_rest_requests_total",
                                                 [.init("route", route), .init("status", String(reply.response.status))]))
        }
        guard !closing else {
            if case .streamed(let source, _) = reply.body { source.close() }
            return
        }
        var bytes: [UInt8] = []
        switch reply.body {
        case .inline:
            reply.response.encode(date: nil, keepAlive: keepAlive, into: &bytes)
        case .streamed(let source, let byteCount):
            HTTPResponse.encodeHead(status: reply.response.status, headers: reply.response.headers,
                                    framing: .contentLength(Int(byteCount)), date: nil, keepAlive: keepAlive, into: &bytes)
            download = (source, byteCount, keepAlive)
        case .omitted(let contentLength):
            var headers = reply.response.headers
            headers.add(name: "Content-Length", value: String(contentLength))
            HTTPResponse.encodeHead(status: reply.response.status, headers: headers, framing: .none, date: nil,
                                    keepAlive: keepAlive, into: &bytes)
        }
        bytes.withUnsafeBytes { connection.write($0) }
        guard download == nil else { return pumpDownload() }
        finishExchange(keepAlive: keepAlive)
    }

    /// Writes a streamed body while the socket keeps up; `connectionDidBecomeWritable` resumes it.
    private func pumpDownload() {
        guard let (source, _, keepAlive) = download, !closing else { return }
        while let remaining = download?.remaining, remaining > 0, connection.isWritable {
            guard let bytes = source.read(byteCountMax: Int(min(Int64(Self.downloadChunkBytes), remaining))),
                  !bytes.isEmpty else {
                logger.warning("http response body could not be read; aborting the connection")
                source.close()
                download = nil
                closing = true
                return connection.abort()
            }
            bytes.withUnsafeBytes { connection.write($0) }
            download?.remaining = remaining - Int64(bytes.count)
            clockStartNanos = connection.loop.readClockNanos()
        }
        guard download?.remaining == 0 else { return }
        source.close()
        download = nil
        finishExchange(keepAlive: keepAlive)
    }

    /// The answer is queued: close, or read the next request.
    private func finishExchange(keepAlive: Bool) {
        busy = false
        if !keepAlive {
            closing = true
            return connection.close()
        }
        clockStartNanos = connection.loop.readClockNanos()
        connection.resumeReading()
        processNext()
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
