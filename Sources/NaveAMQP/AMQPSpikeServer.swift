import CNaveProton
import NaveIO

/// The Proton spike's server (issue #13): every receiver that attaches, whatever its source
/// address, gets pre-encoded 256-byte messages as fast as its credit allows, sent settled as an
/// Event Hub partition sends events (contract §6.6); every sender that attaches has each message
/// accepted and settled (the C2D direction, §5.3). Not the Event Hub endpoint: no CBS, no
/// partitions, no event log.
public final class AMQPSpikeServer: AMQPApplication {
    /// Credit granted to a client's sender, topped up when half is used.
    public static let receiverCreditWindow: Int32 = 1000
    /// Outbound bytes already queued above which a sender waits for `connectionDidBecomeWritable`.
    public static let queuedOutboundBytesMax = 1 << 20

    private var deliveryTag: UInt64 = 0
    /// Senders that stopped for backpressure with credit left.
    private var waitingSenders: [OpaquePointer] = []

    public init() {}

    public func handle(_ event: OpaquePointer, type: pn_event_type_t, on connection: AMQPConnectionHandler) {
        switch type {
        case PN_LINK_REMOTE_OPEN:
            guard let link = pn_event_link(event) else { return }
            if pn_link_state(link) & PN_LOCAL_UNINIT == 0 { return }
            // The reply attach must carry the peer's source and target (pyamqp detaches with
            // "Invalid link" otherwise; contract §6.3).
            pn_terminus_copy(pn_link_source(link), pn_link_remote_source(link))
            pn_terminus_copy(pn_link_target(link), pn_link_remote_target(link))
            if pn_link_is_sender(link) {
                pn_link_set_snd_settle_mode(link, PN_SND_SETTLED)
                pn_link_open(link)
            } else {
                pn_link_open(link)
                pn_link_flow(link, Self.receiverCreditWindow)
            }
        case PN_LINK_FLOW:
            guard let link = pn_event_link(event), pn_link_is_sender(link) else { return }
            send(on: link, connection)
        case PN_DELIVERY:
            guard let delivery = pn_event_delivery(event), let link = pn_delivery_link(delivery) else { return }
            if pn_link_is_receiver(link) { accept(delivery, on: link) }
        default:
            break
        }
    }

    public func connectionDidBecomeWritable(_ connection: AMQPConnectionHandler) {
        let senders = waitingSenders
        waitingSenders.removeAll(keepingCapacity: true)
        for link in senders where pn_link_state(link) & PN_LOCAL_ACTIVE != 0 { send(on: link, connection) }
    }

    public func connectionDidClose(_ connection: AMQPConnectionHandler) {
        waitingSenders.removeAll()
    }

    /// Sends while the link has credit (AMQP 1.0 §2.6.7): one transfer per message, settled.
    private func send(on link: OpaquePointer, _ connection: AMQPConnectionHandler) {
        while pn_link_credit(link) > 0 {
            if let socket = connection.connection, socket.pendingOutboundBytes > Self.queuedOutboundBytesMax {
                waitingSenders.append(link)
                return
            }
            deliveryTag &+= 1
            let delivery = withUnsafeBytes(of: &deliveryTag) { tag in
                pn_delivery(link, pn_dtag(tag.baseAddress!.assumingMemoryBound(to: CChar.self), tag.count))
            }
            AMQPSpikeMessage.withStamped(now: connection.connection?.loop.readClockNanos() ?? 0) { bytes in
                _ = pn_link_send(link, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
            }
            pn_link_advance(link)
            pn_delivery_settle(delivery)
        }
    }

    /// Reads a whole message, accepts and settles it (AMQP 1.0 §3.4.2), and tops the credit up.
    private func accept(_ delivery: OpaquePointer, on link: OpaquePointer) {
        guard pn_delivery_readable(delivery), !pn_delivery_partial(delivery) else { return }
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 8) { scratch in
            let base = scratch.baseAddress!.assumingMemoryBound(to: CChar.self)
            while pn_link_recv(link, base, scratch.count) > 0 {}
        }
        pn_link_advance(link)
        if !pn_delivery_settled(delivery) { pn_delivery_update(delivery, UInt64(PN_ACCEPTED)) }
        pn_delivery_settle(delivery)
        let credit = pn_link_credit(link)
        if credit < Self.receiverCreditWindow / 2 { pn_link_flow(link, Self.receiverCreditWindow - credit) }
    }
}
