import CNaveProton
import NaveIO

/// The spike's client (load generator and test peer): one session, one link. As a receiver it
/// grants `credit`, takes every message whole, settles it and tops the credit up at half; as a
/// sender it sends the spike message unsettled while it has credit and counts the accepted
/// dispositions (the C2D direction).
public final class AMQPSpikeClient: AMQPApplication {
    public enum Mode {
        case receive(address: String, credit: Int32)
        case send(address: String)
    }

    public let mode: Mode
    /// Called with each received message's body (valid during the call only).
    public var onMessage: ((UnsafeRawBufferPointer) -> Void)?
    /// Called once the server's attach arrived.
    public var onAttached: (() -> Void)?
    /// Called for each delivery the server accepted (sender).
    public var onAccepted: (() -> Void)?
    /// Called for each received message that is not one 256-byte data section.
    public var onMalformed: (() -> Void)?
    /// Called when the connection ended.
    public var onClose: (() -> Void)?
    public private(set) var isAttached = false
    public private(set) var received = 0
    /// Received messages that were not one 256-byte data section.
    public private(set) var malformed = 0
    public private(set) var accepted = 0
    public private(set) var sent = 0
    /// When false the sender stops sending (its credit stays unused).
    public var isSending = true
    private var link: OpaquePointer?
    private var deliveryTag: UInt64 = 0

    public init(mode: Mode) {
        self.mode = mode
    }

    public func handle(_ event: OpaquePointer, type: pn_event_type_t, on connection: AMQPConnectionHandler) {
        switch type {
        case PN_CONNECTION_INIT:
            let session = pn_session(connection.protonConnection)
            pn_session_open(session)
            switch mode {
            case .receive(let address, let credit):
                let receiver = pn_receiver(session, "spike-receiver")!
                pn_terminus_set_address(pn_link_source(receiver), address)
                pn_terminus_set_address(pn_link_target(receiver), "spike-client")
                pn_link_open(receiver)
                if credit > 0 { pn_link_flow(receiver, credit) }
                link = receiver
            case .send(let address):
                let sender = pn_sender(session, "spike-sender")!
                pn_terminus_set_address(pn_link_source(sender), "spike-client")
                pn_terminus_set_address(pn_link_target(sender), address)
                pn_link_open(sender)
                link = sender
            }
        case PN_LINK_REMOTE_OPEN:
            isAttached = true
            onAttached?()
        case PN_LINK_FLOW:
            if let link, pn_link_is_sender(link) { send(on: link, connection) }
        case PN_DELIVERY:
            guard let delivery = pn_event_delivery(event), let link = pn_delivery_link(delivery) else { return }
            if pn_link_is_receiver(link) { receive(delivery, on: link) } else { settle(delivery) }
        case PN_TRANSPORT_CLOSED:
            onClose?()
        default:
            break
        }
    }

    public func connectionDidBecomeWritable(_ connection: AMQPConnectionHandler) {
        if let link, pn_link_is_sender(link) { send(on: link, connection) }
    }

    /// Grants `credit` more (a receiver attached with none, as the idle benchmark does).
    public func flow(_ credit: Int32, _ connection: AMQPConnectionHandler) {
        guard let link else { return }
        pn_link_flow(link, credit)
        connection.pump()
    }

    /// Sends again after `isSending` was turned back on.
    public func resume(_ connection: AMQPConnectionHandler) {
        if let link, pn_link_is_sender(link) { send(on: link, connection); connection.pump() }
    }

    private func send(on link: OpaquePointer, _ connection: AMQPConnectionHandler) {
        while isSending, pn_link_credit(link) > 0 {
            deliveryTag &+= 1
            let delivery = withUnsafeBytes(of: &deliveryTag) { tag in
                pn_delivery(link, pn_dtag(tag.baseAddress!.assumingMemoryBound(to: CChar.self), tag.count))
            }
            _ = delivery // settled when the server's disposition arrives (PN_DELIVERY)
            AMQPSpikeMessage.withStamped(now: connection.connection?.loop.readClockNanos() ?? 0) { bytes in
                _ = pn_link_send(link, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
            }
            pn_link_advance(link)
            sent += 1
        }
    }

    private func settle(_ delivery: OpaquePointer) {
        guard pn_delivery_updated(delivery) else { return }
        if pn_delivery_remote_state(delivery) == UInt64(PN_ACCEPTED) {
            accepted += 1
            onAccepted?()
        }
        pn_delivery_settle(delivery)
    }

    private func receive(_ delivery: OpaquePointer, on link: OpaquePointer) {
        guard pn_delivery_readable(delivery), !pn_delivery_partial(delivery) else { return }
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 8) { scratch in
            let base = scratch.baseAddress!.assumingMemoryBound(to: CChar.self)
            var count = 0
            while count < scratch.count {
                let read = pn_link_recv(link, base + count, scratch.count - count)
                if read <= 0 { break }
                count += read
            }
            if let body = AMQPSpikeMessage.body(ofEncoded: UnsafeRawBufferPointer(rebasing: scratch.prefix(count))) {
                onMessage?(body)
            } else {
                malformed += 1
                onMalformed?()
            }
        }
        received += 1
        pn_link_advance(link)
        if !pn_delivery_settled(delivery) { pn_delivery_update(delivery, UInt64(PN_ACCEPTED)) }
        pn_delivery_settle(delivery)
        if case .receive(_, let window) = mode, window > 0 {
            let credit = pn_link_credit(link)
            if credit < window / 2 { pn_link_flow(link, window - credit) }
        }
    }
}
