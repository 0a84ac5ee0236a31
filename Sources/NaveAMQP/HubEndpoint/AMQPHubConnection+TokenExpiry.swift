import NaveCore

/// Links live as long as the token that authorised them (issue #13: "Links whose token expires
/// are detached with `amqp:unauthorized-access` unless a new token arrived"). One timer per
/// connection, at the soonest expiry of its links; when it fires, each expired link either finds
/// a newer grant covering it (a renewed put-token) or is detached.
extension AMQPHubConnection {
    func watchExpiry(linkID: UInt64, eventHubPath: String?, until: Int64) {
        guard until < .max else { return }
        linkAuthorizations[linkID] = LinkAuthorization(eventHubPath: eventHubPath, until: until)
        armExpiryTimer()
    }

    func armExpiryTimer() {
        guard let soonest = linkAuthorizations.values.map(\.until).min() else { return }
        if expiryTimer != nil, soonest >= expiryTimerDueSeconds { return }
        if let expiryTimer { _ = loop.cancelTimer(expiryTimer) }
        let delayMillis = max(0, soonest - hub.clock.now().secondsSinceEpoch) * 1_000 + 10
        expiryTimerDueSeconds = soonest
        expiryTimer = loop.schedule(after: .milliseconds(delayMillis)) { [weak self] in
            guard let self else { return }
            self.loop.runIsolated(self) { $0.expiryDue() }
        }
    }

    private func expiryDue() {
        expiryTimer = nil
        expiryTimerDueSeconds = .max
        let now = hub.clock.now().secondsSinceEpoch
        for (id, authorization) in linkAuthorizations where authorization.until <= now {
            if let renewed = authorizedUntil(eventHubPath: authorization.eventHubPath), renewed > now {
                linkAuthorizations[id]?.until = renewed
            } else if let link = linksByID[id] {
                detach(link, condition: "amqp:unauthorized-access", "The token that authorised this link expired.")
            } else {
                linkAuthorizations[id] = nil
            }
        }
        armExpiryTimer()
        flushEngine()
    }
}

/// What a link needs to stay attached: a grant for its path (nil: the service side) until when.
struct LinkAuthorization {
    var eventHubPath: String?
    var until: Int64
}
