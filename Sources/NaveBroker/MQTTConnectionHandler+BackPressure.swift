/// Back-pressure on a publisher whose deliveries cannot go out now (a subscriber's full QoS 1
/// queue, or a full mailbox to another loop): its reading is paused and the held deliveries
/// are retried; it resumes once all of them went out.
extension MQTTConnectionHandler {
    func startHolding() {
        home.counters.publisherPauses.bump()
        connection.pauseReading()
        scheduleHeldRetry()
    }

    /// Plans the next retry of the held deliveries. Held behind a full session queue, the
    /// publisher waits to be woken by that session when it drains, and polls only as a fallback
    /// (every `drainFallbackRetryMillis`); behind a full mailbox it polls with back-off.
    private func scheduleHeldRetry() {
        guard !heldRetryScheduled else { return }
        heldRetryScheduled = true
        if !awaitingDrain, let session = held.lazy.compactMap(\.waitingSession).first {
            awaitingDrain = true
            session.awaitDrain(self)
        }
        let interval = awaitingDrain ? Self.drainFallbackRetryMillis
            : broker.configuration.heldRetryIntervalMillis << min(Int(heldRetryFailures), 5)
        heldRetryTimer = connection.loop.schedule(after: .milliseconds(interval), handler: self, token: Self.heldRetryToken)
    }

    /// The polling fallback while a session is expected to wake this publisher.
    static let drainFallbackRetryMillis = 500

    /// Called by a session that drained (from its owning loop): retry on this connection's loop.
    nonisolated func wakeHeld(by session: BrokerSession) {
        onLoop { handler in
            defer { session.drainWakeSettled() }
            handler.awaitingDrain = false
            guard handler.heldRetryScheduled else { return }
            if let timer = handler.heldRetryTimer { handler.connection.loop.cancelTimer(timer) }
            handler.retryHeld()
        }
    }

    /// Handles the packets that waited, then reads again, unless something still holds this
    /// connection back (held deliveries, congestion, a full set of device operations). Reading
    /// resumes only once the backlog is handled: resumed first, a connection that is held back
    /// again by its first packet would keep receiving into an ever larger backlog.
    func resumeIfUnblocked() {
        guard isUnblocked else { return }
        processPackets()
        if isUnblocked { connection.resumeReading() }
    }

    private var isUnblocked: Bool {
        !finished && held.isEmpty && !congestionBackOff && deviceOperationsInFlight < broker.configuration.deviceOperationsInFlightMax
    }

    /// This connection is ending (`finish`) with deliveries still held: they go out now, past
    /// the full queue or mailbox that held them, instead of being dropped with the connection.
    /// Each is of a publish already acknowledged to this publisher (PUBACK, or PUBREC, is sent
    /// as soon as the publish is routed, held or not: `perform(.route)`), so it is the broker's
    /// to deliver (§4.3.2, §4.3.3), and the client will not send it again. Dropped, it was lost
    /// without a trace: found by `nave-bench soak` (2 QoS 1 messages in an hour), where a
    /// publisher paused behind a subscriber's full queue was churned and, a second later, its
    /// own reconnect took its client id over (a paused connection does not see its peer go, so
    /// the takeover is what ended it). At most one publish's deliveries: reading stops at the
    /// first one held, so the subscribers' queues grow past their limit by that much only.
    func releaseHeld() {
        guard !held.isEmpty else { return }
        let released = held
        held.removeAll()
        home.loop.runIsolated(home, released) { home, released in
            for delivery in released { home.deliverWithoutHolding(delivery) }
        }
    }

    func retryHeld() {
        heldRetryScheduled = false
        heldRetryTimer = nil
        guard !finished else { return }
        let home = self.home
        held.removeAll { delivery in home.loop.runIsolated(home, delivery) { $0.retry($1) } }
        if held.isEmpty {
            heldRetryFailures = 0
            resumeIfUnblocked()
        } else {
            if heldRetryFailures < .max { heldRetryFailures += 1 }
            scheduleHeldRetry()
        }
    }
}

/// Push-back on QoS 0 publishers under overload (PERF.md G10). QoS 0 has no acknowledgement,
/// so a publisher that outruns its subscribers would be read at full speed only for its
/// messages to queue behind (and then be dropped at) the subscribers' drop marks: the node
/// spends its CPU reading and discarding while the subscribers starve. A publisher whose
/// message reached only congested subscribers (queued past `congestedSubscriberOutboundBytes`,
/// or dropped) is not read for `overloadBackOffMillis`, so TCP pushes back on it instead; one
/// that still reaches a subscriber that keeps up is never paused, so that one does not starve.
extension MQTTConnectionHandler {
    func backOffFromCongestion() {
        guard !congestionBackOff, !finished else { return }
        congestionBackOff = true
        home.counters.congestionBackOffs.bump()
        connection.pauseReading()
        _ = connection.loop.schedule(after: .milliseconds(broker.configuration.overloadBackOffMillis), handler: self,
                                     token: Self.congestionToken)
    }

    func endCongestionBackOff() {
        congestionBackOff = false
        resumeIfUnblocked()
    }
}
