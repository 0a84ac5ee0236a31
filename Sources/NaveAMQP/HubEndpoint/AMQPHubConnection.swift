import CNaveProton
import Logging
import NaveCore
import NaveIO
import NaveModel

/// The actor of one AMQP connection to the hub endpoint. Its executor is the connection's loop:
/// Proton's engine (`AMQPConnectionHandler`), the links and their state are confined to it by
/// the compiler, and hub work it awaits (a C2D send, the next event appended) resumes there.
/// Entry points from the loop step in with `EventLoop.runIsolated`, as the MQTT handler's do.
///
/// What each link is for is decided at attach by its address (`AMQPNodeAddress`); the per-kind
/// behaviour is in the extensions: request/response nodes (`+Requests`), partition receivers
/// (`+Partitions`), C2D (`+CloudToDevice`), feedback and file notifications (`+ServiceBound`).
actor AMQPHubConnection: ConnectionHandler, AMQPApplication {
    /// What one attached link is, from this side.
    enum HubLink {
        /// The client's requests to `$cbs` or `$management` (this side receives).
        case requests(RequestNode)
        /// Where responses of that node go (this side sends).
        case replies(RequestNode)
        case partition(PartitionStream)
        /// The service's C2D sends (this side receives).
        case deviceBound
        /// Feedback batches or file notifications to the service (this side sends).
        case serviceBound(ServiceBoundStream)
    }

    /// The request/response nodes (AMQP management pattern over a link pair).
    enum RequestNode: Hashable {
        case cbs, management
    }

    let endpoint: AMQPHubEndpoint
    let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor }
    var hub: Hub { endpoint.hub }
    var limits: AMQPConnectionLimits { endpoint.limits }
    var logger: Logger { endpoint.logger }

    /// Proton's engine; nil once the connection closed (which also breaks the reference cycle
    /// between the engine and this actor, its application).
    var engine: AMQPConnectionHandler?
    var grants = CBSGrants()
    /// Put-tokens refused on this connection (only the first few are logged at info).
    var refusedTokens = 0
    /// Attached links by Proton's pointer, and the ids tasks use to find them again.
    var links: [OpaquePointer: HubLink] = [:]
    var linkIDs: [OpaquePointer: UInt64] = [:]
    var linksByID: [UInt64: OpaquePointer] = [:]
    var nextLinkID: UInt64 = 1
    /// Sender links of the request nodes, by node; responses wait here for credit.
    var replyLinks: [RequestNode: OpaquePointer] = [:]
    var pendingReplies: [RequestNode: [AMQPMessage]] = [:]
    /// Outgoing delivery tags (unique per connection, so per link too).
    var nextDeliveryTag: UInt64 = 0
    /// Deliveries whose answer awaits hub work (a C2D send), by id.
    var awaitingSettlement: [UInt64: OpaquePointer] = [:]
    var nextAwaitingID: UInt64 = 1
    /// A flush of the engine is queued on the loop (`flushSoon`).
    var flushQueued = false
    /// Partition receivers stopped because the socket's send queue is full.
    var blockedOnWrite: Set<UInt64> = []
    /// Bytes of events given to Proton on this connection (against `engine.bytesWritten`).
    var eventBytesSent = 0
    /// The current batch's runtime-metric delivery annotations, encoded once.
    var metricBuffer: [UInt8] = []
    /// The reusable room events are encoded into: as long as the largest message's upper bound
    /// so far, made at the first event (a connection that reads no events holds none).
    var encodeBuffer: [UInt8] = []
    var openTimer: TimerID?
    var expiryTimer: TimerID?
    var expiryTimerDueSeconds: Int64 = .max
    /// Links authorised by an expiring token, by id.
    var linkAuthorizations: [UInt64: LinkAuthorization] = [:]
    var opened = false
    var closed = false

    init(endpoint: AMQPHubEndpoint, connection: Connection) {
        self.endpoint = endpoint
        loop = connection.loop
        let limits = endpoint.limits
        loop.runIsolated(self, connection) { connection, socket in
            connection.engine = AMQPConnectionHandler(
                role: .server(endpoint.sasl), application: connection, frameBytesMax: UInt32(limits.frameBytesMax),
                channelMax: UInt16(limits.channelMax), idleTimeoutMillis: UInt32(limits.idleTimeoutMillis))
            connection.armOpenTimeout(socket)
        }
    }

    // MARK: Entry points, on the loop thread

    nonisolated func connectionActive(_ connection: Connection) {
        loop.runIsolated(self, connection) { $0.engine?.connectionActive($1) }
    }

    nonisolated func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        // Lent for this synchronous call on the loop thread only; Proton copies what it keeps.
        nonisolated(unsafe) let bytes = bytes
        loop.runIsolated(self, (connection, bytes)) { actor, input in
            actor.engine?.connection(input.0, didReceive: input.1)
            // The client's input (a session window, credit) is what lets Proton hand over the
            // transfers it held: readers paused for them may go on.
            if !actor.blockedOnWrite.isEmpty {
                actor.resumeBlockedPartitions()
                actor.flushEngine()
            }
        }
    }

    nonisolated func connectionDidReachEndOfInput(_ connection: Connection) {
        loop.runIsolated(self, connection) { actor, connection in
            guard let engine = actor.engine else { return connection.close() }
            engine.connectionDidReachEndOfInput(connection)
        }
    }

    nonisolated func connectionDidBecomeWritable(_ connection: Connection) {
        loop.runIsolated(self, connection) { $0.engine?.connectionDidBecomeWritable($1) }
    }

    nonisolated func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        loop.runIsolated(self, (connection, reason)) { $0.closeDown($1.0, reason: $1.1) }
    }

    // MARK: AMQPApplication (called by the engine, inside this actor's turn on the loop)

    nonisolated func handle(_ event: OpaquePointer, type: pn_event_type_t, on connection: AMQPConnectionHandler) {
        nonisolated(unsafe) let event = event
        loop.runIsolated(self, (event, type)) { $0.dispatch($1.0, $1.1) }
    }

    nonisolated func connectionDidBecomeWritable(_ connection: AMQPConnectionHandler) {
        loop.runIsolated(self) { $0.resumeBlockedPartitions() }
    }

    nonisolated func connectionDidClose(_ connection: AMQPConnectionHandler) {}

    // MARK: Events

    private func dispatch(_ event: OpaquePointer, _ type: pn_event_type_t) {
        switch type {
        case PN_CONNECTION_REMOTE_OPEN:
            opened = true
            if let openTimer { _ = loop.cancelTimer(openTimer) }
            openTimer = nil
            grantSASLLogin()
        case PN_LINK_REMOTE_OPEN:
            guard let link = pn_event_link(event), pn_link_state(link) & PN_LOCAL_UNINIT != 0 else { return }
            attach(link)
        case PN_LINK_FLOW:
            guard let link = pn_event_link(event) else { return }
            linkCanSend(link)
        case PN_DELIVERY:
            guard let delivery = pn_event_delivery(event), let link = pn_delivery_link(delivery) else { return }
            if pn_link_is_receiver(link) {
                received(delivery, on: link)
            } else if pn_delivery_updated(delivery) {
                peerSettled(delivery, on: link)
            }
        case PN_LINK_REMOTE_CLOSE, PN_LINK_REMOTE_DETACH:
            guard let link = pn_event_link(event) else { return }
            forget(link)
        default:
            break
        }
    }

    /// A PLAIN login carries a policy's key (checked by `AMQPSASLServer`): the connection holds
    /// that policy's rights over the hub for its lifetime, as IoT Hub's AMQP clients with a
    /// connection string expect.
    private func grantSASLLogin() {
        guard let transport = engine?.protonTransport, let sasl = pn_sasl(transport),
              let mechanism = pn_sasl_get_mech(sasl), String(cString: mechanism) == "PLAIN",
              let user = pn_transport_get_user(transport), let policy = hub.registry.policy(named: String(cString: user))
        else { return }
        grants.add(CBSGrant(audience: "sasl:plain", scope: .hub, rights: policy.rights, expiresAt: .max))
    }

    /// Routes a new link by its address; refuses it with an AMQP error when nothing is there.
    private func attach(_ link: OpaquePointer) {
        // The reply attach must carry the peer's source and target (pyamqp detaches with
        // "Invalid link" otherwise; contract §6.3).
        pn_terminus_copy(pn_link_source(link), pn_link_remote_source(link))
        pn_terminus_copy(pn_link_target(link), pn_link_remote_target(link))
        guard links.count < limits.linksPerConnectionMax else {
            refuse(link, condition: "amqp:resource-limit-exceeded", "A connection may hold at most \(limits.linksPerConnectionMax) links.")
            return
        }
        let isSender = pn_link_is_sender(link)
        // This side sends to the client's receiver: the node is its source; else its target.
        let terminus = isSender ? pn_link_remote_source(link) : pn_link_remote_target(link)
        let address = pn_terminus_get_address(terminus).map { String(cString: $0) } ?? ""
        switch (AMQPNodeAddress(address), isSender) {
        case (.cbs, false): open(link, as: .requests(.cbs))
        case (.management, false): open(link, as: .requests(.management))
        case (.cbs, true): openReplies(link, node: .cbs)
        case (.management, true): openReplies(link, node: .management)
        case (.partition(let partition), true): attachPartition(link, partition)
        case (.deviceBound, false): attachDeviceBound(link)
        case (.feedback, true): attachServiceBound(link, queue: hub.cloudToDevice.feedback)
        case (.fileNotifications, true):
            guard let queue = hub.fileUploads?.notifications else { fallthrough }
            attachServiceBound(link, queue: queue)
        default:
            refuse(link, condition: "amqp:not-found", "No \(isSender ? "source" : "target") '\(address)' on this hub.")
        }
    }

    /// Opens `link` as `role`; a receiving link gets credit for the client's messages.
    func open(_ link: OpaquePointer, as role: HubLink) {
        register(link, role)
        if pn_link_is_receiver(link) {
            pn_link_set_max_message_size(link, UInt64(limits.messageBytesMax))
            pn_link_open(link)
            pn_link_flow(link, Int32(limits.receiveCredit))
        } else {
            pn_link_open(link)
        }
    }

    private func openReplies(_ link: OpaquePointer, node: RequestNode) {
        // Responses go settled: the request/response clients never settle them themselves.
        pn_link_set_snd_settle_mode(link, PN_SND_SETTLED)
        open(link, as: .replies(node))
        replyLinks[node] = link
    }

    func allocateLinkID() -> UInt64 {
        defer { nextLinkID += 1 }
        return nextLinkID
    }

    @discardableResult
    func register(_ link: OpaquePointer, _ role: HubLink, id: UInt64? = nil) -> UInt64 {
        let id = id ?? allocateLinkID()
        links[link] = role
        linkIDs[link] = id
        linksByID[id] = link
        return id
    }

    /// Answers the attach and detaches at once with `condition` (AMQP 1.0 §2.6.3: a refused
    /// link is attached, then detached with the error).
    func refuse(_ link: OpaquePointer, condition: String, _ description: String) {
        if pn_link_state(link) & PN_LOCAL_UNINIT != 0 { pn_link_open(link) }
        detach(link, condition: condition, description)
    }

    /// Closes `link` with an error the client sees in the detach.
    func detach(_ link: OpaquePointer, condition: String, _ description: String) {
        logger.debug("AMQP link detached", metadata: ["condition": "\(condition)", "reason": "\(description)"])
        _ = cnave_condition_set(pn_link_condition(link), condition, description)
        if pn_link_state(link) & PN_LOCAL_CLOSED == 0 { pn_link_close(link) }
        forget(link)
    }

    /// Drops what this side kept for `link` (it detached or the connection is closing).
    func forget(_ link: OpaquePointer) {
        guard let role = links.removeValue(forKey: link) else { return }
        if let id = linkIDs.removeValue(forKey: link) {
            linksByID[id] = nil
            blockedOnWrite.remove(id)
            linkAuthorizations[id] = nil
        }
        switch role {
        case .replies(let node):
            if replyLinks[node] == link { replyLinks[node] = nil }
        case .partition(let stream):
            stream.stop(endpoint.ownership)
        case .serviceBound(let stream):
            if let timer = stream.pollTimer { _ = loop.cancelTimer(timer) }
            stream.stop()
        case .requests, .deviceBound:
            break
        }
    }

    private func linkCanSend(_ link: OpaquePointer) {
        guard pn_link_is_sender(link), let role = links[link] else { return }
        switch role {
        case .replies(let node): flushReplies(node)
        case .partition(let stream): pumpPartition(stream)
        case .serviceBound(let stream): pumpServiceBound(stream)
        default: break
        }
    }

    /// A whole message arrived on a receiving link: read it and hand it to the link's kind.
    private func received(_ delivery: OpaquePointer, on link: OpaquePointer) {
        guard let role = links[link] else {
            // A link being detached: settle what still arrives so nothing stays unsettled.
            pn_delivery_settle(delivery)
            return
        }
        guard pn_delivery_readable(delivery) else { return }
        if pn_delivery_pending(delivery) > limits.messageBytesMax {
            detach(link, condition: "amqp:link:message-size-exceeded", "A message may be at most \(limits.messageBytesMax) bytes.")
            return
        }
        guard !pn_delivery_partial(delivery) else { return }
        let bytes = readMessageBytes(delivery, link)
        pn_link_advance(link)
        let credit = pn_link_credit(link)
        // At half the window (or at zero when the window is 1) the client gets it back in full.
        if credit <= Int32(limits.receiveCredit / 2) { pn_link_flow(link, Int32(limits.receiveCredit) - credit) }
        switch role {
        case .requests(let node): request(bytes, delivery: delivery, node: node)
        case .deviceBound: sendToDevice(bytes, delivery: delivery, link: link)
        default: settle(delivery, state: cnave_PN_REJECTED, condition: ("amqp:not-allowed", "This link does not accept messages."))
        }
    }

    private func readMessageBytes(_ delivery: OpaquePointer, _ link: OpaquePointer) -> [UInt8] {
        let count = pn_delivery_pending(delivery)
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        bytes.withUnsafeMutableBytes { buffer in
            while filled < count {
                let read = pn_link_recv(link, buffer.baseAddress!.advanced(by: filled).assumingMemoryBound(to: CChar.self), count - filled)
                guard read > 0 else { break }
                filled += read
            }
        }
        return Array(bytes.prefix(filled))
    }

    /// Sets this side's outcome of `delivery` and settles it (AMQP 1.0 §3.4).
    func settle(_ delivery: OpaquePointer, state: UInt64, condition: (name: String, description: String)? = nil) {
        if let condition { _ = cnave_condition_set(pn_disposition_condition(pn_delivery_local(delivery)), condition.name, condition.description) }
        pn_delivery_update(delivery, state)
        pn_delivery_settle(delivery)
    }

    /// The next outgoing delivery tag.
    func deliveryTag() -> UInt64 {
        nextDeliveryTag &+= 1
        return nextDeliveryTag
    }

    /// Moves output made outside an engine event (a task's result) to the socket.
    func flushEngine() {
        engine?.pump()
    }

    // MARK: Timers and close

    private func armOpenTimeout(_ connection: Connection) {
        openTimer = loop.schedule(after: .milliseconds(Int64(limits.openTimeoutMillis))) { [weak self] in
            guard let self else { return }
            self.loop.runIsolated(self, connection) { actor, connection in
                actor.openTimer = nil
                guard !actor.opened, !actor.closed else { return }
                actor.logger.info("AMQP connection closed: no open in time", metadata: ["timeoutMillis": "\(actor.limits.openTimeoutMillis)"])
                connection.close()
            }
        }
    }

    private func closeDown(_ connection: Connection, reason: CloseReason) {
        guard !closed else { return }
        closed = true
        if let openTimer { _ = loop.cancelTimer(openTimer) }
        if let expiryTimer { _ = loop.cancelTimer(expiryTimer) }
        openTimer = nil
        expiryTimer = nil
        for link in Array(links.keys) { forget(link) }
        awaitingSettlement.removeAll()
        pendingReplies.removeAll()
        engine?.connectionDidClose(connection, reason: reason)
        engine = nil
    }
}
