import Histogram
import NaveIO
import NaveMQTT

/// The workload of a soak's active clients (the idle ones live in `mqtt-worker` children).
struct SoakPlan {
    var qos1Publishers = 200
    var qos0Publishers = 800
    /// Publishers are spread over this many groups; each group has a wildcard subscriber per QoS.
    var groups = 8
    /// QoS 1 subscribers of one publisher's exact topic.
    var exactSubscribers = 4
    var ratePerSecond = 2_000.0
    var qos1Share = 0.5
    /// QoS 1 PUBLISHes one publisher may have unacknowledged.
    var windowMessages = 8
    var payloadBytes = 64
    var keepAliveSeconds: UInt16 = 60
    var churnPublishersPerSecond = 2
    var subscriberChurnSeconds = 10.0
    var offlineSeconds = 1.0
    var floodEverySeconds = 30.0
    var floodSeconds = 3.0
    var garbageEverySeconds = 5.0
    var silentKeepAliveSeconds: UInt16 = 2
    /// The stuck reader must be closed by the broker within this time after its SUBACK: its
    /// buffers fill within a flood burst or a minute of telemetry, and the broker closes a
    /// subscriber backed up for mqtt.slowConsumerTimeoutMillis (30 s).
    var stuckReaderLimitSeconds = 120.0
    /// Concurrent connects (set-up and reconnects).
    var connectWindow = 200

    /// Clients in the main process, the transient garbage client included.
    var activeClients: Int { qos1Publishers + qos0Publishers + 2 * (groups + 1) + exactSubscribers + 5 }

    static func qos1Topic(_ publisher: Int, groups: Int) -> String { "soak/q1/g\(publisher % groups)/d\(publisher)" }
    static func qos0Topic(_ publisher: Int, groups: Int) -> String { "soak/q0/g\(publisher % groups)/d\(publisher)" }
    static let floodTopic = "soak/flood"
}

/// A soak's active clients on one client loop: publishers at a fixed total rate (QoS 0 and 1),
/// subscribers (wildcard, exact and `#`; the QoS 1 ones with clean session 0 and tracked by a
/// `SoakLedger`), churn, and the misbehaving clients. Loop-confined: the loop's thread runs
/// every method; the command reads it through `submitAndWait`. Timers live in
/// `SoakFleet+Load.swift`.
final class SoakFleet {
    let plan: SoakPlan
    let address: SocketAddress
    unowned(unsafe) let loop: EventLoop
    let ledger = SoakLedger()

    private(set) var qos1Publishers: [SoakClient] = []
    private(set) var qos0Publishers: [SoakClient] = []
    /// Tracked QoS 1 subscribers; those before `churnableSubscribers` take part in churn.
    private(set) var trackedSubscribers: [SoakClient] = []
    private(set) var churnableSubscribers = 0
    private(set) var qos0Subscribers: [SoakClient] = []
    private(set) var misbehaving: [SoakClient] = []
    var all: [SoakClient] { qos1Publishers + qos0Publishers + trackedSubscribers + qos0Subscribers + misbehaving }

    // Counters (never reset).
    var published = [0, 0]
    var delivered = [0, 0]
    var floodPublished = 0
    var floodDelivered = 0
    var subAcks = 0
    var paceSkipped = 0
    var latency = [Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three),
                   Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)]
    /// Unexpected errors by kind, with the latest message of each.
    private(set) var errors: [String: Int] = [:]
    private(set) var errorExamples: [String: String] = [:]
    /// Expected events by kind (churn, misbehaving clients closed as they should be).
    var events: [String: Int] = [:]
    /// Keep-alive closes of the silent client: seconds after its CONNACK, lowest and highest.
    var silentCloseSeconds: (min: Double, max: Double) = (.infinity, 0)

    // Connect queue: at most `plan.connectWindow` connecting at once.
    private var startQueue: [SoakClient] = []
    private var startNext = 0
    private var connecting: Set<ObjectIdentifier> = []
    /// True once `stopLoad` ran: misbehaving clients stay away, churn stops.
    var stopping = false
    /// True once `closeAll` ran: nobody comes back.
    var closing = false
    var startNanos: [ObjectIdentifier: Int64] = [:]

    // Load state (SoakFleet+Load).
    var loading = false
    var loadStartNanos: Int64 = 0
    var rateSent = [0, 0]
    var nextPublisher = [0, 0]
    var flooding = false
    var timersArmed = false
    var secondTicks = 0
    var churnCounter = 0
    var nextChurnPublisher = 0
    var nextChurnSubscriber = 0
    var garbageCount = 0

    init(plan: SoakPlan, address: SocketAddress, loop: EventLoop) {
        self.plan = plan
        self.address = address
        self.loop = loop
    }

    /// Creates every active client; client i binds `sources[i / perSource]`.
    func build(sources: [SocketAddress], perSource: Int) {
        var count = 0
        func source() -> SocketAddress {
            defer { count += 1 }
            return sources[min(sources.count - 1, count / perSource)]
        }
        let plan = plan, groups = plan.groups
        let keepAlive = plan.keepAliveSeconds
        for index in 0..<plan.qos1Publishers {
            let client = SoakClient(fleet: self, kind: .publisher, clientID: "soak-p1-\(index)", index: index, qos: .atLeastOnce,
                                    cleanSession: false, keepAliveSeconds: keepAlive, source: source())
            client.preparePublish(topic: SoakPlan.qos1Topic(index, groups: groups), payloadBytes: plan.payloadBytes)
            qos1Publishers.append(client)
        }
        for index in 0..<plan.qos0Publishers {
            let client = SoakClient(fleet: self, kind: .publisher, clientID: "soak-p0-\(index)", index: index, qos: .atMostOnce,
                                    cleanSession: false, keepAliveSeconds: keepAlive, source: source())
            client.preparePublish(topic: SoakPlan.qos0Topic(index, groups: groups), payloadBytes: plan.payloadBytes)
            qos0Publishers.append(client)
        }
        // Tracked QoS 1 subscribers, clean session 0: churned ones first (a group's wildcard,
        // one publisher's exact topic), then `soak/q1/#`, which stays (it takes the whole QoS 1
        // rate: away for a second it would pass mqtt.sessionQueuedMessagesMax, 1,000, and
        // the broker drops beyond it by design).
        func tracked(_ name: String, _ filter: String, matching: @escaping (Int) -> Bool) {
            let ledgerIndex = ledger.addSubscriber(matching: matching)
            trackedSubscribers.append(SoakClient(fleet: self, kind: .subscriber, clientID: "soak-s1-\(name)", index: ledgerIndex,
                                                 qos: .atLeastOnce, filter: filter, stream: .qos1Tracked, cleanSession: false,
                                                 keepAliveSeconds: keepAlive, source: source()))
        }
        for group in 0..<groups { tracked("g\(group)", "soak/q1/g\(group)/+") { $0 % groups == group } }
        for exact in 0..<min(plan.exactSubscribers, plan.qos1Publishers) {
            tracked("d\(exact)", SoakPlan.qos1Topic(exact, groups: groups)) { $0 == exact }
        }
        churnableSubscribers = trackedSubscribers.count
        tracked("all", "soak/q1/#") { _ in true }
        func qos0Subscriber(_ name: String, _ filter: String, stream: SoakClient.Stream) {
            qos0Subscribers.append(SoakClient(fleet: self, kind: .subscriber, clientID: "soak-s0-\(name)", index: 0, qos: .atMostOnce,
                                              filter: filter, stream: stream, cleanSession: true, keepAliveSeconds: keepAlive,
                                              source: source()))
        }
        for group in 0..<groups { qos0Subscriber("g\(group)", "soak/q0/g\(group)/+", stream: .qos0) }
        qos0Subscriber("all", "soak/q0/#", stream: .qos0)
        qos0Subscriber("flood", SoakPlan.floodTopic, stream: .flood)
        // Misbehaving clients.
        misbehaving.append(SoakClient(fleet: self, kind: .stuckReader, clientID: "soak-bad-stuck", index: 0, qos: .atMostOnce,
                                      filter: "soak/#", cleanSession: true, keepAliveSeconds: keepAlive, source: source()))
        misbehaving.append(SoakClient(fleet: self, kind: .silent, clientID: "soak-bad-silent", index: 0, qos: .atMostOnce,
                                      cleanSession: true, keepAliveSeconds: plan.silentKeepAliveSeconds, source: source()))
        let flooder = SoakClient(fleet: self, kind: .flooder, clientID: "soak-bad-flood", index: 0, qos: .atMostOnce,
                                 cleanSession: true, keepAliveSeconds: keepAlive, source: source())
        flooder.preparePublish(topic: SoakPlan.floodTopic, payloadBytes: plan.payloadBytes)
        misbehaving.append(flooder)
        misbehaving.append(SoakClient(fleet: self, kind: .garbage, clientID: "soak-bad-garbage", index: 0, qos: .atMostOnce,
                                      cleanSession: true, keepAliveSeconds: keepAlive, source: source()))
    }

    /// Connects every client but the garbage one (its timer starts it).
    func connectAll() {
        for client in all where client.kind != .garbage { enqueue(client) }
    }

    var flooder: SoakClient? { misbehaving.first { $0.kind == .flooder } }
    var garbage: SoakClient? { misbehaving.first { $0.kind == .garbage } }

    // MARK: Connecting

    func enqueue(_ client: SoakClient) {
        client.reconnectPending = true
        startQueue.append(client)
        startQueued()
    }

    private func startQueued() {
        while connecting.count < plan.connectWindow, startNext < startQueue.count {
            let client = startQueue[startNext]
            startNext += 1
            client.reconnectPending = false
            connecting.insert(ObjectIdentifier(client))
            startNanos[ObjectIdentifier(client)] = monotonicNanos()
            loop.connect(to: address, from: client.source, handler: client)
        }
        if startNext == startQueue.count {
            startQueue.removeAll(keepingCapacity: true)
            startNext = 0
        }
    }

    private func settle(_ client: SoakClient) {
        if connecting.remove(ObjectIdentifier(client)) != nil { startQueued() }
    }

    /// Reconnects `client` after `seconds` (unless the fleet is stopping and it need not).
    func reconnect(_ client: SoakClient, after seconds: Double) {
        client.reconnectPending = true
        _ = loop.schedule(after: .nanoseconds(Int64(seconds * 1e9))) { [self] in
            guard !closing, !client.isOpen, !stopping || client.stream == .qos1Tracked else {
                client.reconnectPending = false
                return
            }
            enqueue(client)
        }
    }

    // MARK: Events from clients

    func error(_ kind: String, _ message: String) {
        errors[kind, default: 0] += 1
        errorExamples[kind] = message
    }

    func event(_ kind: String) { events[kind, default: 0] += 1 }

    /// CONNACK 0 arrived; returns whether the client must (re)subscribe.
    func connAcked(_ client: SoakClient, sessionPresent: Bool) -> Bool {
        settle(client)
        if client.kind == .garbage { client.sendGarbageAfterConnAck() }
        guard !client.cleanSession, client.connAcks > 1 else { return true }
        // §3.2.2.2: a server that holds the session of a clean-session-0 client says so.
        guard sessionPresent else {
            error("sessionNotResumed", "\(client.clientID): CONNACK session present 0 on reconnect")
            return true
        }
        event("sessionsResumed")
        return false
    }

    func subscribed(_ client: SoakClient) {
        subAcks += 1
        if client.kind == .stuckReader { client.pauseReading() }
    }

    func acknowledged(_ sequence: Int) { ledger.acknowledge(sequence) }

    func delivered(to client: SoakClient, qos: UInt8, sequence: Int, latencyNanos: Int64) {
        switch client.stream {
        case .qos1Tracked:
            guard qos == 1 else {
                error("qos1Downgraded", "\(client.clientID): a QoS \(qos) delivery on a QoS 1 subscription to QoS 1 topics")
                return
            }
            ledger.deliver(sequence, to: client.index)
            delivered[1] += 1
            _ = latency[1].record(UInt64(min(max(0, latencyNanos), 59_000_000_000)))
        case .qos0:
            delivered[0] += 1
            _ = latency[0].record(UInt64(min(max(0, latencyNanos), 59_000_000_000)))
        case .flood:
            floodDelivered += 1
        case .none:
            break
        }
    }

    /// A connection ended: decides whether it was expected and when the client comes back.
    func clientClosed(_ client: SoakClient, reason: CloseReason, hadConnAck: Bool) {
        settle(client)
        let requested = client.closeRequested
        client.closeRequested = false
        switch client.kind {
        case .publisher, .subscriber, .flooder:
            if requested {
                reconnect(client, after: plan.offlineSeconds)
                return
            }
            if !stopping || client.stream == .qos1Tracked {
                error(hadConnAck ? "unexpectedClose.\(client.kind.rawValue)" : "connectFailed",
                      "\(client.clientID): \(reason)")
            }
            reconnect(client, after: 1)
        case .stuckReader:
            guard !requested, !stopping else { return }
            event("stuckReaderClosedByBroker")
            reconnect(client, after: 5)
        case .garbage:
            // A close the harness did not ask for is the broker refusing the garbage (§4.8).
            if !requested { event("garbageRejected.variant\(client.garbageVariant)") }
        case .silent:
            if !requested { silentClosed(client, hadConnAck: hadConnAck, reason: reason) }
            if !stopping { reconnect(client, after: 1) }
        }
    }

    /// §3.1.2.10: the server disconnects a client silent for 1.5 × its keep-alive. The broker
    /// checks once per housekeeping interval (1 s), so the close may come up to ~1 s later.
    private func silentClosed(_ client: SoakClient, hadConnAck: Bool, reason: CloseReason) {
        guard hadConnAck else {
            error("silentNotAccepted", "\(client.clientID): closed before CONNACK (\(reason))")
            return
        }
        let seconds = Double(monotonicNanos() - client.connAckNanos) / 1e9
        let due = 1.5 * Double(client.keepAliveSeconds)
        silentCloseSeconds = (min(silentCloseSeconds.min, seconds), max(silentCloseSeconds.max, seconds))
        if seconds < due - 0.25 {
            error("keepAliveEarly", "\(client.clientID): closed \(String(format1: seconds)) s after CONNACK, before 1.5 × keep-alive")
        } else if seconds > due + 3 {
            error("keepAliveLate", "\(client.clientID): closed \(String(format1: seconds)) s after CONNACK (1.5 × keep-alive = \(due) s)")
        } else {
            event("silentClosedByKeepAlive")
        }
    }
}
