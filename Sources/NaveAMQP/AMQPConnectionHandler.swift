import CNaveProton
import NaveIO

/// What runs one AMQP connection's links: the spike's streaming server, a benchmark client, and
/// later the Event Hub-compatible endpoint and the C2D receiver. Called on the connection's loop
/// thread, for every Proton event, after `AMQPConnectionHandler` has done what every endpoint
/// does (answering opens and closes).
public protocol AMQPApplication: AnyObject {
    /// One Proton event (`pn_event_type(event)`): links opened, flow, deliveries.
    func handle(_ event: OpaquePointer, type: pn_event_type_t, on connection: AMQPConnectionHandler)
    /// Outbound bytes queued in the engine fell below the low-water mark: a sender that stopped
    /// for backpressure may go on.
    func connectionDidBecomeWritable(_ connection: AMQPConnectionHandler)
    /// The connection ended; Proton's objects are freed right after this call returns.
    func connectionDidClose(_ connection: AMQPConnectionHandler)
}

extension AMQPApplication {
    public func connectionDidBecomeWritable(_ connection: AMQPConnectionHandler) {}
    public func connectionDidClose(_ connection: AMQPConnectionHandler) {}
}

/// One AMQP 1.0 connection on a NaveIO loop, with Proton-C's connection driver as the protocol
/// engine: received bytes go into `pn_connection_driver_read_buffer`, events come out of
/// `pn_connection_driver_next_event`, output is copied from `pn_connection_driver_write_buffer`
/// into the connection's send queue. Proton does no I/O, takes no locks and starts no threads
/// (`connection_driver.h`), so nothing here blocks the loop.
///
/// Loop-confined like every `ConnectionHandler`: all calls arrive on the connection's loop thread.
/// Not yet an actor: the spike talks to no hub shard. The adapter that does becomes one, as
/// `MQTTConnectionHandler` is.
public final class AMQPConnectionHandler: ConnectionHandler {
    /// Which side of the connection this is.
    public enum Role {
        /// Accepts a connection: SASL server offering `sasl`'s mechanisms.
        case server(AMQPSASLServer)
        /// Opens a connection: SASL ANONYMOUS client, `hostname` in `sasl-init` and `open`.
        case client(containerID: String, hostname: String)
    }

    /// Proton's driver: connection, transport and collector. Heap-allocated because Proton keeps
    /// pointers to it (`pn_connection_driver_ptr`).
    private let driver: UnsafeMutablePointer<pn_connection_driver_t>
    public let application: AMQPApplication
    /// The server's SASL layer: Proton holds only an unretained pointer to it.
    private let sasl: AMQPSASLServer?
    /// The NaveIO connection, set once it is active; nil after close.
    public private(set) var connection: Connection?
    /// The client's frames checked before Proton reads them (server role only); nil once a frame
    /// was refused, after which input is dropped.
    private var frameCheck: AMQPInboundFrameCheck?
    private var inputRefused = false
    /// Proton's output rewritten for pyamqp (`AMQPPerformativePadding`).
    private var padding = AMQPPerformativePadding()
    /// Bytes handed to the connection so far: with the bytes an application gave Proton, tells
    /// how much Proton still holds (its own counters stop at its output buffer's capacity).
    public private(set) var bytesWritten = 0
    private var isProcessing = false
    private var isDestroyed = false
    private var tickTimer: TimerID?
    /// Proton's idle-timeout deadline currently armed on the loop's wheel (ms, loop clock).
    private var tickDeadlineMillis: Int64 = 0

    /// The Proton connection (`pn_connection_t *`).
    public var protonConnection: OpaquePointer { driver.pointee.connection }
    /// The Proton transport (`pn_transport_t *`).
    public var protonTransport: OpaquePointer { driver.pointee.transport }

    /// The largest frame this side accepts (AMQP 1.0 §2.7.1 `max-frame-size`, announced in
    /// `open`). Proton's default is no limit, and its input buffer then doubles until a frame
    /// fits: a header claiming 2.8 GB would be waited for (and buffered) rather than refused.
    public static let frameBytesMax: UInt32 = 64 * 1024

    /// - Parameters:
    ///   - frameBytesMax: `max-frame-size` announced in `open` (AMQP 1.0 §2.7.1).
    ///   - channelMax: `channel-max` announced in `open`: sessions beyond it are a protocol error.
    ///   - idleTimeoutMillis: `idle-time-out` announced in `open` (§2.4.5); 0 for none.
    public init(role: Role, application: AMQPApplication, frameBytesMax: UInt32 = AMQPConnectionHandler.frameBytesMax,
                channelMax: UInt16 = 15, idleTimeoutMillis: UInt32 = 0) {
        self.application = application
        if case .server(let sasl) = role { self.sasl = sasl } else { sasl = nil }
        driver = .allocate(capacity: 1)
        driver.initialize(to: pn_connection_driver_t())
        let transport = pn_transport()!
        pn_transport_set_max_frame(transport, frameBytesMax)
        pn_transport_set_channel_max(transport, channelMax)
        if idleTimeoutMillis > 0 { pn_transport_set_idle_timeout(transport, idleTimeoutMillis) }
        switch role {
        case .server(let sasl):
            pn_transport_set_server(transport)
            // A client must go through SASL (every Azure SDK does): a bare AMQP header is
            // refused with `amqp:unauthorized-access` rather than treated as anonymous.
            pn_transport_require_auth(transport, true)
            precondition(pn_connection_driver_init(driver, nil, transport) == 0, "pn_connection_driver_init failed")
            pn_connection_set_container(driver.pointee.connection, "nave")
            sasl.install(on: transport)
            frameCheck = AMQPInboundFrameCheck(frameBytesMax: Int(frameBytesMax))
        case .client(let containerID, let hostname):
            precondition(pn_connection_driver_init(driver, nil, transport) == 0, "pn_connection_driver_init failed")
            let sasl = pn_sasl(transport)
            pn_sasl_allowed_mechs(sasl, "ANONYMOUS")
            pn_connection_set_container(driver.pointee.connection, containerID)
            pn_connection_set_hostname(driver.pointee.connection, hostname)
            pn_connection_open(driver.pointee.connection)
        }
    }

    deinit {
        destroy()
        driver.deallocate()
    }

    // MARK: ConnectionHandler

    public func connectionActive(_ connection: Connection) {
        self.connection = connection
        pump()
    }

    public func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        guard !isDestroyed, !inputRefused else { return }
        guard let refusal = frameCheck?.check(bytes) else { return feed(bytes) }
        // Proton would drop the frame and go on; the client hears why instead. What came before
        // the frame is read first (a protocol header Proton must answer).
        inputRefused = true
        feed(UnsafeRawBufferPointer(rebasing: bytes.prefix(refusal.validBytes)))
        guard !isDestroyed else { return }
        cnave_driver_error(driver, refusal.condition, refusal.description)
        // The read side ends here; Proton writes its close with the error where the AMQP layer
        // is open (before that it has nothing more to say), and the socket closes once sent.
        pn_connection_driver_read_close(driver)
        pump()
        if !isDestroyed { connection.close() }
    }

    /// Hands received bytes to Proton as its input buffer takes them, running events between.
    private func feed(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            let buffer = pn_connection_driver_read_buffer(driver)
            guard buffer.size > 0, let start = buffer.start else {
                // Proton takes no more input: its read side closed (an error, or the peer's
                // close), or its input buffer is full until events are processed.
                if !processEvents() { break }
                continue
            }
            let count = min(Int(buffer.size), rest.count)
            UnsafeMutableRawPointer(start).copyMemory(from: rest.baseAddress!, byteCount: count)
            pn_connection_driver_read_done(driver, count)
            rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(count))
            _ = processEvents()
        }
        pump()
    }

    public func connectionDidReachEndOfInput(_ connection: Connection) {
        guard !isDestroyed else { return connection.close() }
        // Event Hub clients often drop TCP without an AMQP close (contract §6.1): Proton records
        // a transport error and finishes; nothing more is read.
        pn_connection_driver_read_close(driver)
        pump()
        connection.close()
    }

    public func connectionDidBecomeWritable(_ connection: Connection) {
        application.connectionDidBecomeWritable(self)
        pump()
    }

    public func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        if let tickTimer { _ = connection.loop.cancelTimer(tickTimer) }
        tickTimer = nil
        self.connection = nil
        application.connectionDidClose(self)
        destroy()
    }

    // MARK: Driving Proton

    /// Runs queued events, then moves Proton's output to the socket; closes the connection once
    /// Proton is finished both ways. Applications call it after acting outside an event (a
    /// sender resumed by `connectionDidBecomeWritable`).
    public func pump() {
        guard !isDestroyed, let connection else { return }
        _ = processEvents()
        while true {
            let output = pn_connection_driver_write_buffer(driver)
            guard output.size > 0, let start = output.start else {
                // Asking for output can post events (the transport closing after a refused
                // header): run them, and go round again only if there were any. Until they are
                // run the driver does not count as finished.
                if processEvents() { continue }
                break
            }
            // Padded straight into the send queue (or TLS's plaintext scratch): no copy between.
            var written = 0
            padding.pad(UnsafeRawBufferPointer(start: start, count: Int(output.size)),
                        frameBytesMax: Int(pn_transport_get_remote_max_frame(driver.pointee.transport))) { bytes, fill in
                connection.write(reserving: bytes) { room in
                    written = fill(room)
                    return written
                }
            }
            // The write may have closed the connection (its send queue over the limit), which
            // destroyed the driver: nothing of Proton's may be touched after that.
            guard !isDestroyed else { return }
            pn_connection_driver_write_done(driver, output.size)
            bytesWritten += written
            // Writing can release events (the transport's head closed): run them.
            _ = processEvents()
        }
        if pn_connection_driver_finished(driver) {
            connection.close()
            return
        }
        armTick(connection)
    }

    /// Dispatches every queued event; false when there were none.
    @discardableResult
    private func processEvents() -> Bool {
        guard !isProcessing else { return false } // an application's pump() inside an event
        isProcessing = true
        defer { isProcessing = false }
        var any = false
        while let event = pn_connection_driver_next_event(driver) {
            any = true
            let type = pn_event_type(event)
            handleDefaults(event, type)
            application.handle(event, type: type, on: self)
        }
        return any
    }

    /// What every endpoint does: answer the peer's opens and closes (AMQP 1.0 §2.4.1, §2.5.1,
    /// §2.6.1). Links are left to the application, which must set their termini first.
    private func handleDefaults(_ event: OpaquePointer, _ type: pn_event_type_t) {
        switch type {
        case PN_CONNECTION_REMOTE_OPEN:
            let connection = pn_event_connection(event)
            if pn_connection_state(connection) & PN_LOCAL_UNINIT != 0 { pn_connection_open(connection) }
        case PN_SESSION_REMOTE_OPEN:
            let session = pn_event_session(event)
            if pn_session_state(session) & PN_LOCAL_UNINIT != 0 { pn_session_open(session) }
        case PN_LINK_REMOTE_CLOSE, PN_LINK_REMOTE_DETACH:
            let link = pn_event_link(event)
            if pn_link_state(link) & PN_LOCAL_CLOSED == 0 { pn_link_close(link) }
        case PN_SESSION_REMOTE_CLOSE:
            let session = pn_event_session(event)
            if pn_session_state(session) & PN_LOCAL_CLOSED == 0 { pn_session_close(session) }
        case PN_CONNECTION_REMOTE_CLOSE:
            let connection = pn_event_connection(event)
            if pn_connection_state(connection) & PN_LOCAL_CLOSED == 0 { pn_connection_close(connection) }
        default:
            break
        }
    }

    /// Proton's idle-timeout bookkeeping (AMQP 1.0 §2.4.5) runs in `pn_transport_tick`; it is
    /// armed on the loop's timing wheel only when either side asked for an idle timeout, so an
    /// idle connection without one holds no timer.
    private func armTick(_ connection: Connection) {
        let transport = driver.pointee.transport
        guard pn_transport_get_idle_timeout(transport) != 0 || pn_transport_get_remote_idle_timeout(transport) != 0
        else { return }
        let now = connection.loop.nowNanos / 1_000_000
        let deadline = pn_transport_tick(transport, now)
        guard deadline > 0, deadline != tickDeadlineMillis else { return }
        if let tickTimer { _ = connection.loop.cancelTimer(tickTimer) }
        tickDeadlineMillis = deadline
        tickTimer = connection.loop.schedule(after: .milliseconds(max(1, deadline - now))) { [weak self] in
            guard let self else { return }
            self.tickTimer = nil
            self.tickDeadlineMillis = 0
            self.pump()
        }
    }

    private func destroy() {
        guard !isDestroyed else { return }
        isDestroyed = true
        pn_connection_driver_destroy(driver)
    }
}
