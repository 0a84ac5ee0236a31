import Glibc

/// One TCP connection owned by an event loop.
///
/// Loop-confined: every property and method is used on `loop`'s thread only (checked in debug
/// builds). Writes are queued and sent once per loop turn, batched with every other
/// connection's, so a handler can write many small frames without a system call each.
public final class Connection: @unchecked Sendable {  // @unchecked: confined to its loop thread; Sendable so loop-bound actors can hold it

    /// The loop whose thread runs this connection.
    public unowned(unsafe) let loop: EventLoop
    let fd: Int32
    let slot: Int32
    let generation: UInt32
    var handler: (any ConnectionHandler)?
    /// The local port of the listener that accepted this connection; -1 for outgoing ones.
    var listenerPort: Int32 = -1
    var outbound = OutboundQueue()
    /// Set on TLS connections: bytes pass through it both ways.
    var tls: TLSSession?
    /// Set after an upgrade (WebSocket): between the transport and the handler.
    var framing: (any StreamFraming)?

    // Receive state.
    var receiveArmed = false
    var readPausedByHandler = false
    var readPausedForBackpressure = false
    var endOfInput = false
    /// epoll only: the socket became readable while reading was paused.
    var readableWhilePaused = false

    // Send state.
    var sendInFlightBytes = 0
    var queuedForFlush = false
    var writeShutdownRequested = false
    var writeShutdownDone = false
    var closeWhenFlushed = false
    /// The deadline after which a close still waiting to flush resets instead (`closeFlushTimeoutMillis`).
    var closeFlushTimer: TimerID?

    // Lifetime.
    var isConnecting = false
    /// Set once the handler has been told the connection closed; the slot lives on until the
    /// backend has no operation in flight on the socket.
    var isClosed = false
    var operationsInFlight = 0

    init(loop: EventLoop, fd: Int32, slot: Int32, generation: UInt32) {
        self.loop = loop
        self.fd = fd
        self.slot = slot
        self.generation = generation
    }

    var readingWanted: Bool { !readPausedByHandler && !readPausedForBackpressure && !endOfInput && !isClosed }

    /// The number of bytes queued and not yet acknowledged by the kernel.
    public var pendingOutboundBytes: Int { outbound.pendingBytes }

    /// False once the connection has closed.
    public var isOpen: Bool { !isClosed }

    /// False while queued outbound bytes are above `outboundHighWaterBytes`: a handler streaming
    /// a large body stops writing then and goes on at `connectionDidBecomeWritable`.
    public var isWritable: Bool { !readPausedForBackpressure }

    /// The peer's address, read from the socket.
    public var remoteAddress: SocketAddress? { Socket.peerAddress(fd) }
    /// The local address, read from the socket.
    public var localAddress: SocketAddress? { Socket.localAddress(fd) }

    /// Queues `bytes` for sending (copied). Ignored after close.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        loop.assertInLoop()
        guard !isClosed, !writeShutdownRequested, !bytes.isEmpty else { return }
        if let framing { return writeFramed(framing, bytes) }
        writeTransport(bytes)
    }

    /// Bytes as they go on the wire (or into TLS), past any framing.
    func writeTransport(_ bytes: UnsafeRawBufferPointer) {
        guard !isClosed, !bytes.isEmpty else { return }
        if let tls { return writeThroughTLS(tls, bytes) }
        outbound.append(bytes, pool: loop.chunkPool)
        loop.outboundGrew(self)
    }

    /// Reserves `count` contiguous bytes in the send queue and lets `encode` write into them
    /// directly (no intermediate copy); `encode` returns how many it wrote.
    public func write(reserving count: Int, _ encode: (UnsafeMutableRawBufferPointer) -> Int) {
        loop.assertInLoop()
        guard !isClosed, !writeShutdownRequested, count > 0 else { return }
        if tls != nil || framing != nil {
            // Plaintext is encoded into the loop's scratch first (a one-off buffer only when it
            // is larger), then framed and encrypted into the queue. That finishes before
            // `encode` could run again, so one scratch per loop suffices.
            let shared = loop.tlsEncodeScratch
            let scratch = count <= shared.count
                ? UnsafeMutableRawBufferPointer(rebasing: shared.prefix(count))
                : UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            defer { if scratch.baseAddress != shared.baseAddress { scratch.deallocate() } }
            let written = encode(scratch)
            return write(UnsafeRawBufferPointer(rebasing: scratch.prefix(written)))
        }
        outbound.append(reserving: count, pool: loop.chunkPool, encode)
        loop.outboundGrew(self)
    }

    /// Stops delivering received bytes until `resumeReading()`; the kernel's receive window then
    /// pushes back on the peer. An idle paused connection holds no receive buffer.
    public func pauseReading() {
        loop.assertInLoop()
        guard !readPausedByHandler else { return }
        readPausedByHandler = true
        loop.readingInterestChanged(self)
    }

    /// Resumes delivering received bytes.
    public func resumeReading() {
        loop.assertInLoop()
        guard readPausedByHandler else { return }
        readPausedByHandler = false
        loop.readingInterestChanged(self)
    }

    /// Sends FIN after the queued bytes (a half-close); receiving goes on.
    public func shutdownOutput() {
        loop.assertInLoop()
        guard !isClosed, !writeShutdownRequested else { return }
        writeShutdownRequested = true
        loop.scheduleFlush(self)
    }

    /// Closes the connection after its queued bytes are sent; a peer that has not taken them
    /// within `closeFlushTimeoutMillis` (or the shutdown grace period, when the loop is stopping)
    /// is reset instead. The handler hears `connectionDidClose(.local)` then.
    public func close() {
        loop.assertInLoop()
        guard !isClosed else { return }
        if let tls, tls.isEstablished, !closeWhenFlushed {
            tls.shutdown() // close_notify, so the peer can tell a close from a truncation
            queueCiphertext(tls)
            if isClosed { return }
        }
        if outbound.isEmpty { loop.closeConnection(self, reason: .local) } else { loop.closeAfterFlush(self) }
    }

    /// Closes at once, dropping queued bytes, with a TCP reset.
    public func abort() {
        loop.assertInLoop()
        guard !isClosed else { return }
        Socket.setAbortiveClose(fd)
        loop.closeConnection(self, reason: .local)
    }
}
