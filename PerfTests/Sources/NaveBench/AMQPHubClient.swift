import CNaveProton
import NaveAMQP
import NaveIO

/// One back-end connection of `nave-bench amqp` on the hub's AMQP endpoint, driven by Proton-C
/// (`AMQPConnectionHandler` in its client role: SASL ANONYMOUS, open): one session, a `$cbs`
/// link pair and its put-token (contract §6.3 / §5.2), then its work once the token is
/// accepted — partition receivers (§6.5) that take every event whole and top their credit up
/// at half, a C2D sender (§5.3) that keeps at most `outstandingMax` deliveries unsettled, or
/// nothing (idle). What it sees goes to its `AMQPBackEnd`; loop-confined like it.
final class AMQPHubClient: AMQPApplication {
    enum Work {
        case idle
        /// Receivers on `amqps://{host}/{eventHub}/ConsumerGroups/$Default/Partitions/{p}`.
        case receive(eventHub: String, partitions: [Int], selector: String, credit: Int32)
        /// A sender to `/messages/devicebound` with the back end's C2D messages.
        case sendCloudToDevice(outstandingMax: Int)
    }

    unowned let backEnd: AMQPBackEnd
    let work: Work
    let grant: AMQPCBS.Grant
    private var session: OpaquePointer?
    private var cbsSender: OpaquePointer?
    private var cbsReceiver: OpaquePointer?
    private var tokenSent = false
    private(set) var isAuthorized = false
    private var sender: OpaquePointer?
    private var unsettled = 0
    private var deliveryTag: UInt64 = 0
    /// Whole deliveries are read here (grown when one is larger).
    private var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)

    init(backEnd: AMQPBackEnd, work: Work, grant: AMQPCBS.Grant) {
        self.backEnd = backEnd
        self.work = work
        self.grant = grant
    }

    deinit { scratch.deallocate() }

    func handle(_ event: OpaquePointer, type: pn_event_type_t, on connection: AMQPConnectionHandler) {
        switch type {
        case PN_CONNECTION_INIT:
            openCBS(connection)
        case PN_LINK_FLOW:
            guard let link = pn_event_link(event) else { return }
            if link == cbsSender, !tokenSent, pn_link_credit(link) > 0 {
                tokenSent = true
                AMQPCBS.sendPutToken(grant, id: 1, on: link)
            } else if link == sender {
                sendCloudToDevice(on: link)
            }
        case PN_LINK_REMOTE_OPEN:
            guard let link = pn_event_link(event), link != cbsSender, link != cbsReceiver else { return }
            backEnd.linksAttached += 1
        case PN_LINK_REMOTE_CLOSE, PN_LINK_REMOTE_DETACH:
            guard let link = pn_event_link(event) else { return }
            backEnd.failed("link \(String(cString: pn_link_name(link))) detached: \(Self.describe(pn_link_remote_condition(link)))")
        case PN_DELIVERY:
            guard let delivery = pn_event_delivery(event), let link = pn_delivery_link(delivery) else { return }
            if pn_link_is_sender(link) { settled(delivery, on: link) } else { receive(delivery, on: link) }
        case PN_TRANSPORT_ERROR:
            backEnd.failed("transport: \(Self.describe(pn_transport_condition(connection.protonTransport)))")
        case PN_TRANSPORT_CLOSED:
            backEnd.closed += 1
        default:
            break
        }
    }

    /// The `$cbs` pair as pyamqp attaches it: source and target `$cbs`; 10 credit for responses.
    private func openCBS(_ connection: AMQPConnectionHandler) {
        let session = pn_session(connection.protonConnection)!
        self.session = session
        pn_session_open(session)
        let receiver = pn_receiver(session, "cbs-receiver")!
        pn_terminus_set_address(pn_link_source(receiver), "$cbs")
        pn_terminus_set_address(pn_link_target(receiver), "$cbs")
        pn_link_open(receiver)
        pn_link_flow(receiver, 10)
        let sender = pn_sender(session, "cbs-sender")!
        pn_terminus_set_address(pn_link_source(sender), "$cbs")
        pn_terminus_set_address(pn_link_target(sender), "$cbs")
        pn_link_open(sender)
        cbsReceiver = receiver
        cbsSender = sender
    }

    /// The put-token was answered: 200–299 starts the work.
    private func cbsResponse(_ bytes: UnsafeRawBufferPointer) {
        guard let status = AMQPCBS.statusCode(ofResponse: bytes), (200...299).contains(status) else {
            return backEnd.failed("put-token refused: status \(AMQPCBS.statusCode(ofResponse: bytes).map(String.init) ?? "missing")")
        }
        isAuthorized = true
        backEnd.authorized += 1
        guard let session else { return }
        switch work {
        case .idle:
            break
        case .receive(let eventHub, let partitions, let selector, let credit):
            for partition in partitions { attachReceiver(session, eventHub: eventHub, partition: partition, selector: selector, credit: credit) }
        case .sendCloudToDevice:
            let link = pn_sender(session, "c2d-sender")!
            pn_terminus_set_address(pn_link_source(link), "nave-bench")
            pn_terminus_set_address(pn_link_target(link), "amqps://\(HubDevices.hostName)/messages/devicebound")
            pn_link_set_snd_settle_mode(link, PN_SND_UNSETTLED)
            pn_link_open(link)
            sender = link
        }
    }

    /// A partition receiver with the selector filter of §6.5 (the described symbol under the
    /// same symbol key in the source's filter map).
    private func attachReceiver(_ session: OpaquePointer, eventHub: String, partition: Int, selector: String, credit: Int32) {
        let link = pn_receiver(session, "partition-\(partition)")!
        let source = pn_link_source(link)!
        pn_terminus_set_address(source, "amqps://\(HubDevices.hostName)/\(eventHub)/ConsumerGroups/$Default/Partitions/\(partition)")
        let filter = pn_terminus_filter(source)!
        pn_data_put_map(filter)
        pn_data_enter(filter)
        AMQPCBS.putSymbol(filter, "apache.org:selector-filter:string")
        pn_data_put_described(filter)
        pn_data_enter(filter)
        AMQPCBS.putSymbol(filter, "apache.org:selector-filter:string")
        AMQPCBS.putString(filter, selector)
        pn_data_exit(filter)
        pn_data_exit(filter)
        pn_terminus_set_address(pn_link_target(link), "receiver-link-\(partition)")
        pn_link_open(link)
        pn_link_flow(link, credit)
    }

    private func receive(_ delivery: OpaquePointer, on link: OpaquePointer) {
        guard pn_delivery_readable(delivery), !pn_delivery_partial(delivery) else { return }
        let pending = Int(pn_delivery_pending(delivery))
        if pending > scratch.count {
            scratch.deallocate()
            scratch = .allocate(byteCount: pending * 2, alignment: 8)
        }
        var count = 0
        let base = scratch.baseAddress!.assumingMemoryBound(to: CChar.self)
        while count < scratch.count {
            let read = pn_link_recv(link, base + count, scratch.count - count)
            if read <= 0 { break }
            count += read
        }
        pn_link_advance(link)
        let bytes = UnsafeRawBufferPointer(rebasing: scratch[0..<count])
        if !pn_delivery_settled(delivery) { pn_delivery_update(delivery, cnave_PN_ACCEPTED) }
        pn_delivery_settle(delivery)
        if link == cbsReceiver { return cbsResponse(bytes) }
        backEnd.event(bytes)
        if case .receive(_, _, _, let window) = work {
            let credit = pn_link_credit(link)
            if credit < window / 2 { pn_link_flow(link, window - credit) }
        }
    }

    // MARK: C2D

    /// Sends while the server grants credit and fewer than `outstandingMax` are unsettled.
    private func sendCloudToDevice(on link: OpaquePointer) {
        guard case .sendCloudToDevice(let outstandingMax) = work, let messages = backEnd.cloudToDevice else { return }
        while backEnd.isSending, unsettled < outstandingMax, pn_link_credit(link) > 0 {
            deliveryTag &+= 1
            _ = withUnsafeBytes(of: &deliveryTag) { pn_delivery(link, pn_dtag($0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)) }
            messages.withNext(now: monotonicNanos()) { bytes in
                _ = pn_link_send(link, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
            }
            pn_link_advance(link)
            unsettled += 1
            backEnd.cloudToDeviceSent += 1
        }
    }

    /// A disposition for a C2D send (or the put-token): counted, settled, and the window moves.
    private func settled(_ delivery: OpaquePointer, on link: OpaquePointer) {
        guard pn_delivery_updated(delivery) else { return }
        let state = pn_delivery_remote_state(delivery)
        guard state != 0 || pn_delivery_settled(delivery) else { return }
        if link == sender {
            unsettled -= 1
            if state == cnave_PN_ACCEPTED {
                backEnd.cloudToDeviceAccepted += 1
            } else {
                backEnd.cloudToDeviceRejected += 1
                backEnd.lastRejection = Self.describe(pn_disposition_condition(pn_delivery_remote(delivery)))
            }
        }
        pn_delivery_settle(delivery)
        if link == sender { sendCloudToDevice(on: link) }
    }

    /// Sends again after `backEnd.isSending` was turned back on.
    func resume(_ connection: AMQPConnectionHandler) {
        guard let sender else { return }
        sendCloudToDevice(on: sender)
        connection.pump()
    }

    static func describe(_ condition: OpaquePointer?) -> String {
        guard let condition, pn_condition_is_set(condition) else { return "no condition" }
        let name = pn_condition_get_name(condition).map { String(cString: $0) } ?? "?"
        let description = pn_condition_get_description(condition).map { String(cString: $0) } ?? ""
        return "\(name) \(description)"
    }
}
