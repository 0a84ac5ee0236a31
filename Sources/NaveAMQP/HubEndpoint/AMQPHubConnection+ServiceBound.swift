import CNaveProton
import NaveCore
import NaveIO

/// Service-bound links (contract §5.4, reference §5.2): the hub sends one locked message per
/// credit from a `ServiceBoundQueue` — C2D feedback batches, file-upload notifications — and
/// the client's disposition settles it.
extension AMQPHubConnection {
    /// How often a service-bound link with credit and nothing to send looks again (the queues
    /// have no notification; a back end reading them polls as the HTTP routes' clients do).
    static let serviceBoundPollMillis: Int64 = 1_000

    func attachServiceBound(_ link: OpaquePointer, queue: any ServiceBoundQueue) {
        guard let until = authorizedUntil(eventHubPath: nil) else {
            return refuse(link, condition: "amqp:unauthorized-access", "Unauthorized: put a ServiceConnect token on $cbs first.")
        }
        let id = allocateLinkID()
        register(link, .serviceBound(ServiceBoundStream(linkID: id, queue: queue)), id: id)
        // Unsettled: the client completes a message by accepting it, abandons it by releasing.
        pn_link_set_snd_settle_mode(link, PN_SND_UNSETTLED)
        pn_link_open(link)
        watchExpiry(linkID: id, eventHubPath: nil, until: until)
    }

    /// Sends messages while the link has credit; looks again later when none is queued.
    func pumpServiceBound(_ stream: ServiceBoundStream) {
        guard let link = linksByID[stream.linkID], stream.pollTimer == nil else { return }
        while pn_link_credit(link) > 0 {
            guard let (lockToken, message) = stream.queue.nextMessage() else {
                let linkID = stream.linkID
                stream.pollTimer = loop.schedule(after: .milliseconds(Self.serviceBoundPollMillis)) { [weak self] in
                    guard let self else { return }
                    self.loop.runIsolated(self, linkID) { actor, linkID in actor.serviceBoundPollDue(linkID) }
                }
                return
            }
            if let delivery = message.send(on: link, tag: deliveryTag()) {
                stream.lockTokens[delivery] = lockToken
                loop.count(Self.messagesOut)
            }
        }
    }

    private func serviceBoundPollDue(_ linkID: UInt64) {
        guard let link = linksByID[linkID], case .serviceBound(let stream)? = links[link] else { return }
        stream.pollTimer = nil
        pumpServiceBound(stream)
        flushEngine()
    }

    /// The client's outcome (AMQP 1.0 §3.4): accepted (or rejected, which IoT Hub treats as
    /// done) completes the message; released or modified abandons it for redelivery.
    func peerSettled(_ delivery: OpaquePointer, on link: OpaquePointer) {
        guard case .serviceBound(let stream)? = links[link],
              let lockToken = stream.lockTokens.removeValue(forKey: delivery) else {
            pn_delivery_settle(delivery)
            return
        }
        let state = pn_delivery_remote_state(delivery)
        pn_delivery_settle(delivery)
        let queue = stream.queue
        if state == cnave_PN_RELEASED || state == cnave_PN_MODIFIED {
            queue.settleAbandoned(lockToken)
        } else {
            Task { await queue.settleCompleted(lockToken) }
        }
    }
}
