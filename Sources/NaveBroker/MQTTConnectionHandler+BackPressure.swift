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
            : broker.configuration.heldRetryIntervalMillis << min(heldRetryFailures, 5)
        heldRetryTimer = connection.loop.schedule(after: .milliseconds(interval), handler: self, token: Self.heldRetryToken)
    }

    /// The polling fallback while a session is expected to wake this publisher.
    static let drainFallbackRetryMillis = 500

    /// Called by a session that drained (from its owning loop): retry on this connection's loop.
    func wakeHeld(by session: BrokerSession) {
        home.loop.execute { [self] in
            defer { session.drainWakeSettled() }
            awaitingDrain = false
            guard heldRetryScheduled else { return }
            if let heldRetryTimer { connection.loop.cancelTimer(heldRetryTimer) }
            retryHeld()
        }
    }

    /// Reads and handles packets again, unless something else still holds this connection back
    /// (held deliveries, a full set of device operations).
    func resumeIfUnblocked() {
        guard !finished, held.isEmpty, deviceOperationsInFlight < broker.configuration.deviceOperationsInFlightMax else { return }
        connection.resumeReading()
        processPackets()
    }

    func retryHeld() {
        heldRetryScheduled = false
        heldRetryTimer = nil
        guard !finished else { return }
        held.removeAll { home.retry($0) }
        if held.isEmpty {
            heldRetryFailures = 0
            resumeIfUnblocked()
        } else {
            heldRetryFailures += 1
            scheduleHeldRetry()
        }
    }
}
