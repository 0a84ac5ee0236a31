import Logging
import NaveCore
import NaveIO
import NaveMQTT
import NaveMQTTBinding
import NaveModel

/// Opening, taking over, resuming and ending sessions (§3.1.2.4, §3.1.4).
extension MQTTConnectionHandler {
    /// A valid CONNECT arrived: decide in the directory, then finish with the previous holder of
    /// the client id on its owning loop before this connection gets the session. Reading pauses
    /// until then, so packets pipelined after CONNECT wait in the decoder.
    func openSession(_ connect: MQTTConnect) {
        let clientID = connect.clientID.isEmpty ? broker.assignClientID() : connect.clientID
        self.clientID = clientID
        guard admit(connect) else { return }
        will = connect.will.map(ConnectionWill.init)
        let limits = broker.sessionLimits
        let homeIndex = home.loop.index
        let sessionsMax = broker.configuration.sessionsMax
        let key = MQTTSessionKey(sessionRealm, clientID)
        let decision: MQTTSessionDirectory<BrokerSession>.Decision? = broker.directory.withLock { directory in
            if directory.session(for: key) == nil, directory.count >= sessionsMax { return nil }
            return directory.connect(key, cleanSession: connect.cleanSession) {
                BrokerSession(key: key, cleanSession: connect.cleanSession, limits: limits, ownerLoopIndex: homeIndex)
            }
        }
        guard let decision else {
            logger.warning("connect refused: sessionsMax reached", metadata: logContext(["limit": "\(sessionsMax)"]))
            countRefusal(.serverUnavailable)
            return perform(machine.connectRefused(.serverUnavailable))
        }
        sessionGeneration = decision.generation
        connection.pauseReading()
        guard let previous = decision.previous else { return sessionReady(decision.session, present: false) }
        if decision.takesOver { logger.info("client id taken over from an existing connection (§3.1.4-2)", metadata: logContext()) }
        let transfer = SessionTransfer(previous: previous, session: decision.session, present: decision.sessionPresent,
                                       newHandler: self, newLoop: home)
        transfer.run()
    }

    /// Hub devices live apart from the general broker's clients: a listener with a hub names
    /// its sessions by authenticated identities, one without by what clients send.
    var sessionRealm: MQTTSessionRealm { gate?.hub == nil ? .broker : .hubDevices }

    /// Asks the listener's gate; a refused CONNECT is answered and closed here. An accepted hub
    /// identity is registered with the hub's presence (which may revoke it from now on) and
    /// its token's expiry becomes a deadline on this loop's monotonic clock. An identity
    /// revoked while its credentials were being checked is refused like a failed check:
    /// CONNACK 5, as the SDKs expect for a disabled or deleted device (contract §1.5).
    private func admit(_ connect: MQTTConnect) -> Bool {
        guard let gate else { return true }
        switch gate.authenticator.authenticate(connect, peerCertificateDER: connection.peerCertificateDER) {
        case .refuse(let code, let reason):
            refuse(code, reason: reason)
            return false
        case .acceptClient(let username):
            if let control = gate.access, control.enforcesACL, let clientID {
                aclSubject = ACLSubject(clientID: clientID, username: username, control: control)
            }
            return true
        case .accept(let grant):
            guard let grant else { return true }
            // IoT Hub speaks MQTT 3.1.1 only (contract §1.1).
            if connect.isLegacy {
                refuse(.unacceptableProtocolVersion, reason: "MQTT 3.1 on a device listener")
                return false
            }
            let device = HubDevice(grant: grant)
            if let will = connect.will, let refusal = device.channel.willRefusal(will) {
                refuse(.notAuthorized, reason: refusal)
                return false
            }
            let now = grant.clock.now()
            guard grant.presence.register(self, as: grant.identity, at: now, admittedAt: grant.admittedAt) else {
                // Not registered, so no grant: `finish` must not unregister it or report it gone.
                refuse(.notAuthorized, reason: "revoked while connecting")
                return false
            }
            hubDevice = device
            if let expiresAt = grant.expiresAt {
                device.tokenDeadlineNanos = connection.loop.nowNanos + (expiresAt.millisecondsSinceEpoch - now.millisecondsSinceEpoch) * 1_000_000
            }
            // CleanSession=1 ends the device's stored session (§3.1.2.4).
            if connect.cleanSession { gate.hub?.recordDeviceSubscriptions(grant.identity, []) }
            return true
        }
    }

    private func refuse(_ code: MQTTConnectReturnCode, reason: String) {
        logger.notice("connect refused", metadata: logContext(["returnCode": "\(code.rawValue)", "reason": "\(reason)"]))
        countRefusal(code)
        perform(machine.connectRefused(code))
    }

    /// `nave_connect_refusals_total{protocol="mqtt",reason}`, on this loop's counters.
    private func countRefusal(_ code: MQTTConnectReturnCode) {
        home.loop.count(LoopCounterKey("nave_connect_refusals_total", [.init("protocol", "mqtt"), .init("reason", code.metricReason)]))
    }

    /// The session is ours: CONNACK, then resend what was in flight and what queued (§4.4).
    func sessionReady(_ session: BrokerSession, present: Bool) {
        precondition(session.owner == home.loop.index)
        guard !finished else {
            // This connection ended while the session was on its way: detach it again.
            endSession(session, generation: sessionGeneration)
            return
        }
        self.session = session
        home.loop.count(MQTTConnectionHandler.connectAccepted)
        var present = present
        if !present, restoreHubSession(session) { present = true }
        // The will counts from CONNACK 0 on: a refused or abandoned CONNECT has none (§3.1.2.5).
        will?.armed = true
        session.handler = self
        // Deliveries to this session are checked against who connected last (Mosquitto keeps
        // the latest connection's username with the session too).
        session.aclSubject = aclSubject
        if present, let aclSubject {
            // Queued or left unacknowledged under the previous connection's name and the ACL
            // then in force: checked again for this one before anything is resent (Mosquitto's
            // `connection_check_acl`).
            let dropped = session.state.removeUnacknowledged { !aclSubject.mayRead($0.topic) }
            if dropped > 0 { logger.debug("messages dropped on resume: ACL denies this client reading them", metadata: logContext(["count": "\(dropped)"])) }
        }
        session.online.store(true, ordering: .relaxed)
        send(machine.connectAccepted(sessionPresent: present))
        rescheduleHousekeeping()
        if present {
            for packet in session.state.redeliveries() { send(packet) }
        }
        pumpSessionQueue()
        if let hubDevice, let hub = gate?.hub, hubDevice.channel.takesCloudToDevice(session.state) {
            hub.cloudToDeviceReady(hubDevice.channel.identity)
        }
        logger.debug("session opened", metadata: logContext(["sessionPresent": "\(present)", "clean": "\(session.cleanSession)"]))
        connection.resumeReading()
        processPackets()
    }

    /// Closes the connection for `reason`, logging why (errors at notice, normal ends at debug).
    ///
    /// A slow consumer is reset instead: a close waits to flush what is queued, and a peer that
    /// does not read would keep its socket and those bytes until the engine's
    /// `closeFlushTimeoutMillis` (found by `nave-bench soak`: 28 such sockets in an hour).
    func closeConnection(_ reason: MQTTCloseReason) {
        guard !finished else { return }
        finish(reason)
        if reason == .slowConsumer { connection.abort() } else { connection.close() }
    }

    /// Ends this connection's part exactly once: timers, the session, the will (§3.1.2.5).
    func finish(_ reason: MQTTCloseReason) {
        guard !finished else { return }
        finished = true
        machine.closed()
        if let housekeepingTimer { connection.loop.cancelTimer(housekeepingTimer) }
        switch reason {
        case .clientDisconnected, .connectionLost, .serverShutdown, .takenOver:
            logger.debug("connection closed", metadata: logContext(["reason": "\(reason)"]))
        default:
            home.counters.connectionsClosedForErrors.bump()
            logger.notice("connection closed", metadata: logContext(["reason": "\(reason)"]))
        }
        if let session {
            self.session = nil
            session.handler = nil
            session.online.store(false, ordering: .relaxed)
            session.publishQueueState()
            endSession(session, generation: sessionGeneration)
        }
        // After the session is detached (a delivery to it is queued, not written to this
        // closing connection), before the will (published after the held message was).
        releaseHeld()
        if reason.publishesWill, let will = will?.armedWill {
            if let hubDevice, let hub = gate?.hub {
                // A device the hub revoked (disabled, deleted, rekeyed) sends nothing more.
                if case .credentialsRevoked = reason {} else { publishHubWill(will, device: hubDevice, hub: hub) }
            } else {
                publishWill(will)
            }
        }
        will = nil
        if let grant = hubDevice?.grant {
            grant.presence.unregister(self, as: grant.identity, at: grant.clock.now())
            gate?.hub?.deviceDisconnected(grant.identity)
        }
    }

    /// Tells the directory this connection is gone; a clean session is then discarded.
    func endSession(_ session: BrokerSession, generation: UInt64) {
        let stillOurs = broker.directory.withLock { $0.disconnected(session.key, generation: generation) }
        if stillOurs && session.cleanSession { broker.discard(session) }
    }

    /// The will goes out like a client publish, but nothing waits for it: deliveries that would
    /// have to be held are dropped.
    private func publishWill(_ will: MQTTWill) {
        // Checked when it is sent, as Mosquitto does (`context__send_will`): the ACL may have
        // changed since CONNECT.
        if let aclSubject, !aclSubject.mayPublish(will.topic) {
            logger.debug("will not published: ACL denies its topic", metadata: logContext())
            return
        }
        let publish = MQTTPublish(topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain)
        if will.retain { retain(publish) }
        let outcome = home.loop.runIsolated(home, publish) { $0.route($1) }
        if !outcome.held.isEmpty { home.counters.queuedDropped.bump(outcome.held.count) }
    }

    /// Called on this handler's loop when a newer connection takes the client id.
    func takenOver() {
        guard !finished else { return }
        // The session now belongs to the newcomer: detach it without ending it.
        if let session {
            self.session = nil
            session.handler = nil
            session.online.store(false, ordering: .relaxed)
        }
        closeConnection(.takenOver)
    }
}

/// The hub may end a device's connection from any thread (device disabled or deleted, keys
/// changed); the close runs on the connection's own loop.
extension MQTTConnectionHandler: LiveConnection {
    nonisolated func revoke(_ reason: RevocationReason) {
        onLoop { $0.closeConnection(.credentialsRevoked(reason.rawValue)) }
    }

    nonisolated func deliver(_ delivery: DeviceDelivery) {
        onLoop { $0.deliverToDevice(delivery) }
    }
}

/// Hands a client id's session to a new connection: on the previous session's owning loop,
/// close its connection (takeover), discard it if the new connection starts clean, then move
/// ownership of the resulting session to the new loop and resume there.
struct SessionTransfer: Sendable {
    let previous: BrokerSession
    let session: BrokerSession
    let present: Bool
    let newHandler: MQTTConnectionHandler
    let newLoop: BrokerLoop

    func run() {
        let owner = newHandler.broker.loops[previous.owner]
        if owner.loop.inLoop { onPreviousOwner() } else { owner.loop.execute { self.run() } }
    }

    private func onPreviousOwner() {
        // Ownership may have moved on since this step was sent (two takeovers in a row).
        guard previous.owner == EventLoop.current?.index else { return run() }
        if let handler = previous.handler { EventLoop.current!.runIsolated(handler) { $0.takenOver() } }
        if previous !== session {
            newHandler.broker.discard(previous)
        } else {
            previous.ownerLoopIndex.store(newLoop.loop.index, ordering: .releasing)
        }
        let (session, present) = (session, present)
        if newLoop.loop.inLoop {
            newLoop.loop.runIsolated(newHandler, (session, present)) { $0.sessionReady($1.0, present: $1.1) }
        } else {
            newHandler.onLoop { $0.sessionReady(session, present: present) }
        }
    }
}

extension MQTTConnectionHandler {
    /// `nave_connects_total{protocol="mqtt"}`: CONNACK 0 sent.
    static let connectAccepted = LoopCounterKey("nave_connects_total", [.init("protocol", "mqtt")])
}

extension MQTTConnectReturnCode {
    /// The `reason` label of a refused CONNECT (docs/metrics.md).
    var metricReason: String {
        switch self {
        case .accepted: "accepted"
        case .unacceptableProtocolVersion: "protocol_version"
        case .identifierRejected: "identifier_rejected"
        case .serverUnavailable: "server_unavailable"
        case .badUsernameOrPassword: "bad_credentials"
        case .notAuthorized: "not_authorized"
        }
    }
}

/// A connection's will (§3.1.2.5), boxed apart from the handler: most clients send none, so
/// they pay one nil pointer for it (PERF.md G2).
final class ConnectionWill {
    let will: MQTTWill
    /// Set at CONNACK 0: a refused or abandoned CONNECT has no will (§3.1.2.5).
    var armed = false

    init(_ will: MQTTWill) {
        self.will = will
    }

    /// The will once armed.
    var armedWill: MQTTWill? { armed ? will : nil }
}
