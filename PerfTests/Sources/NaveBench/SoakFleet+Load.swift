import NaveIO

/// The soak's timers: the publish pacer (every `paceStepNanos`) and the once-a-second round
/// of churn, misbehaviour, watchdogs and keep-alive pings.
extension SoakFleet {
    static let paceStepNanos: Int64 = 2_000_000
    /// A flooder keeps this much queued on its socket while it floods.
    static let floodOutboundBytes = 64 << 10
    /// A garbage client not closed by the broker within this time is an error.
    static let garbageTimeoutNanos: Int64 = 5_000_000_000
    /// A paced publisher that fell further behind than this (a stalled broker, busy windows)
    /// skips the excess instead of bursting it out later.
    static let paceBacklogSeconds = 0.1

    /// Starts publishing at the plan's rate, churn and the misbehaving clients' schedules.
    func startLoad() {
        loading = true
        loadStartNanos = monotonicNanos()
        rateSent = [0, 0]
        guard !timersArmed else { return }
        timersArmed = true
        armPace()
        armSecond()
    }

    /// Stops publishing, churn and misbehaviour; closes the misbehaving clients. Tracked
    /// subscribers still away come back (their queued messages are part of the check).
    func stopLoad() {
        loading = false
        flooding = false
        stopping = true
        for client in misbehaving {
            client.reconnectPending = false
            if client.kind == .flooder { client.disconnectCleanly() } else { client.drop() }
        }
    }

    /// QoS 1 messages still unacknowledged, and tracked subscribers not subscribed right now.
    func drainState() -> (inFlight: Int, trackedAway: Int) {
        (qos1Publishers.reduce(0) { $0 + $1.inFlight }, trackedSubscribers.filter { !$0.isReady }.count)
    }

    /// Clients holding a CONNACKed connection right now.
    var held: Int { all.reduce(0) { $0 + ($1.hasConnAck ? 1 : 0) } }
    var openCount: Int { all.reduce(0) { $0 + ($1.isOpen ? 1 : 0) } }

    /// DISCONNECT and close on every client (the run is over).
    func closeAll() {
        closing = true
        stopLoad()
        loading = false
        for client in all { client.disconnectCleanly() }
    }

    func abortAll() {
        for client in all { client.drop() }
    }

    // MARK: Pacing

    private func armPace() {
        _ = loop.schedule(after: .nanoseconds(Self.paceStepNanos)) { [self] in
            pace()
            if !stopping { armPace() }
        }
    }

    private func pace() {
        let now = monotonicNanos()
        if loading {
            let elapsed = Double(now - loadStartNanos) / 1e9
            let rates = [plan.ratePerSecond * (1 - plan.qos1Share), plan.ratePerSecond * plan.qos1Share]
            for qos in 0...1 { publishDue(qos: qos, rate: rates[qos], elapsed: elapsed, now: now) }
        }
        if flooding, let flooder, flooder.isReady {
            var written = 0
            while flooder.pendingOutboundBytes < Self.floodOutboundBytes, written < 4_096 {
                flooder.publish(sequence: floodPublished, now: now)
                floodPublished += 1
                written += 1
            }
        }
    }

    /// Sends what is due at `rate`, round-robin over the ready publishers of `qos`.
    private func publishDue(qos: Int, rate: Double, elapsed: Double, now: Int64) {
        let publishers = qos == 1 ? qos1Publishers : qos0Publishers
        guard !publishers.isEmpty, rate > 0 else { return }
        var due = Int(elapsed * rate) - rateSent[qos]
        let backlog = Int(rate * Self.paceBacklogSeconds)
        if due > backlog {
            paceSkipped += due - backlog
            rateSent[qos] += due - backlog
            due = backlog
        }
        var misses = 0
        while due > 0, misses < publishers.count {
            let publisher = publishers[nextPublisher[qos]]
            nextPublisher[qos] = (nextPublisher[qos] + 1) % publishers.count
            guard publisher.isReady, qos == 0 || publisher.inFlight < plan.windowMessages else {
                misses += 1
                continue
            }
            misses = 0
            let sequence = qos == 1 ? ledger.issue(publisher: publisher.index) : published[0]
            publisher.publish(sequence: sequence, now: now)
            published[qos] += 1
            rateSent[qos] += 1
            due -= 1
        }
    }

    // MARK: Once a second

    private func armSecond() {
        _ = loop.schedule(after: .seconds(1)) { [self] in
            everySecond()
            if !stopping { armSecond() }
        }
    }

    private func everySecond() {
        guard loading else { return }
        secondTicks += 1
        let now = monotonicNanos()
        churnPublishers()
        if plan.subscriberChurnSeconds > 0, secondTicks % max(1, Int(plan.subscriberChurnSeconds)) == 0 { churnSubscriber() }
        scheduleFlood()
        if plan.garbageEverySeconds > 0, secondTicks % max(1, Int(plan.garbageEverySeconds)) == 0 { startGarbage() }
        watchMisbehaving(now: now)
        // Keep-alive: a subscriber only receives, so it must PINGREQ (§3.1.2.10); 60 s keep-alive.
        if secondTicks % 20 == 0 {
            for client in all where client.kind != .silent && client.kind != .garbage { client.ping() }
        }
    }

    /// Takes the next publishers away: cleanly (DISCONNECT) and by a reset, in turn. Only idle
    /// sockets: a reset drops what is still queued, which would count as a QoS 0 loss.
    private func churnPublishers() {
        let publishers = qos1Publishers + qos0Publishers
        guard !publishers.isEmpty else { return }
        var taken = 0
        var tried = 0
        while taken < plan.churnPublishersPerSecond, tried < publishers.count {
            let publisher = publishers[nextChurnPublisher]
            nextChurnPublisher = (nextChurnPublisher + 1) % publishers.count
            tried += 1
            guard publisher.isReady, publisher.pendingOutboundBytes == 0 else { continue }
            churn(publisher)
            taken += 1
        }
    }

    private func churnSubscriber() {
        guard churnableSubscribers > 0 else { return }
        let subscriber = trackedSubscribers[nextChurnSubscriber]
        nextChurnSubscriber = (nextChurnSubscriber + 1) % churnableSubscribers
        if subscriber.isReady { churn(subscriber) }
    }

    private func churn(_ client: SoakClient) {
        churnCounter += 1
        if churnCounter % 2 == 0 {
            event("churn.disconnect")
            client.disconnectCleanly()
        } else {
            event("churn.drop")
            client.drop()
        }
    }

    /// Floods for `floodSeconds` out of every `floodEverySeconds`.
    private func scheduleFlood() {
        guard plan.floodEverySeconds > 0, plan.floodSeconds > 0 else { return }
        let period = max(1, Int(plan.floodEverySeconds))
        let phase = secondTicks % period
        let shouldFlood = phase >= period - Int(plan.floodSeconds)
        if shouldFlood, !flooding { event("floodBursts") }
        flooding = shouldFlood
    }

    private func startGarbage() {
        guard let garbage, !garbage.isOpen, !garbage.reconnectPending else { return }
        garbage.garbageVariant = garbageCount % 3
        garbageCount += 1
        enqueue(garbage)
    }

    /// Garbage the broker did not refuse, keep-alive the broker did not enforce: errors; the
    /// client is reset so the run goes on.
    private func watchMisbehaving(now: Int64) {
        if let garbage, garbage.isOpen, let started = startNanos[ObjectIdentifier(garbage)],
           now - started > Self.garbageTimeoutNanos {
            error("garbageNotRejected", "garbage variant \(garbage.garbageVariant) still connected after 5 s")
            garbage.drop()
        }
        for client in misbehaving where client.kind == .stuckReader && client.isReady {
            let limit = Int64(plan.stuckReaderLimitSeconds * 1e9)
            if now - client.subAckNanos > limit {
                error("slowConsumerNotClosed", "\(client.clientID) (never reads) still connected \(limit / 1_000_000_000) s after SUBACK")
                client.drop()
                reconnect(client, after: 5)
            }
        }
        for client in misbehaving where client.kind == .silent && client.hasConnAck {
            let limit = Int64((1.5 * Double(client.keepAliveSeconds) + 10) * 1e9)
            if now - client.connAckNanos > limit {
                error("keepAliveNotEnforced", "\(client.clientID) still connected \(limit / 1_000_000_000) s after CONNACK")
                client.drop()
            }
        }
    }
}
