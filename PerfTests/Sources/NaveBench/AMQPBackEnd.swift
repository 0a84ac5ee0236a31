import Histogram
import NaveAMQP
import NaveIO

/// The back ends of one `nave-bench amqp` scenario on the harness's loop: its Proton
/// connections (`AMQPHubClient`), their counters and histograms. Loop-confined: created, driven
/// and read on `loop` only (the driver reads through `submitAndWait`); counters never reset,
/// rounds take differences.
final class AMQPBackEnd {
    let loop: EventLoop
    let address: SocketAddress
    private var handlers: [AMQPConnectionHandler] = []
    private(set) var clients: [AMQPHubClient] = []

    var authorized = 0
    var linksAttached = 0
    var closed = 0
    var failures = 0
    var lastError: String?

    // Partition receivers.
    var received = 0
    /// Events whose last section was not one data section of `bodyBytes`.
    var bodiesNotFound = 0
    var bodyBytes = 256
    var firstEventNanos: Int64 = 0
    var lastEventNanos: Int64 = 0
    var recording = false
    /// Telemetry send (body stamp) → receive, nanoseconds (while `recording`).
    var endToEnd = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    /// The publish's PUBACK at its device → receive, nanoseconds; 0 when the event came first.
    var pubAckToReceive = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var receivedBeforePubAck = 0
    /// Time between consecutive events over all receivers, nanoseconds (while `recording`):
    /// its tail shows the stalls of a drain.
    var gaps = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .two)
    /// The devices whose PUBACK times `pubAckToReceive` reads (e2e).
    var telemetryFleet: HubFleet?

    // C2D.
    var cloudToDevice: AMQPCloudToDeviceMessages?
    var isSending = true
    var cloudToDeviceSent = 0
    var cloudToDeviceAccepted = 0
    var cloudToDeviceRejected = 0
    var lastRejection: String?

    init(loop: EventLoop, address: SocketAddress) {
        self.loop = loop
        self.address = address
    }

    /// Opens `count` connections from `sources` in turn (at most `perSource` each), each with
    /// `work` after its put-token of `grant`, over TLS when `tls` is given.
    func open(count: Int, sources: [SocketAddress], perSource: Int, work: AMQPHubClient.Work, grant: AMQPCBS.Grant, tls: TLSContext?) {
        for index in 0..<count {
            let client = AMQPHubClient(backEnd: self, work: work, grant: grant)
            let handler = AMQPConnectionHandler(role: .client(containerID: "nave-bench-\(handlers.count)", hostname: HubDevices.hostName),
                                                application: client)
            clients.append(client)
            handlers.append(handler)
            loop.connect(to: address, from: sources.isEmpty ? nil : sources[min(sources.count - 1, index / perSource)], tls: tls,
                         handler: handler)
        }
    }

    func failed(_ message: String) {
        failures += 1
        lastError = message
    }

    /// One event from a partition receiver (the whole encoded message).
    func event(_ message: UnsafeRawBufferPointer) {
        let now = monotonicNanos()
        received += 1
        if firstEventNanos == 0 { firstEventNanos = now }
        if recording, lastEventNanos != 0 { gaps.record(UInt64(max(0, now - lastEventNanos))) }
        lastEventNanos = now
        guard let body = AMQPEventBody.locate(in: message, expectedBytes: bodyBytes) else {
            bodiesNotFound += 1
            return
        }
        guard recording, let fleet = telemetryFleet, let stamp = TelemetryStamp(body: body) else { return }
        endToEnd.record(UInt64(max(0, now - stamp.sentNanos)))
        guard let device = fleet.device(index: stamp.device), !device.pubAckTimes.isEmpty else { return }
        let slot = Int(stamp.packetID) & (HubDeviceConnection.sendTimesCount - 1)
        let pubAck = device.pubAckTimes[slot]
        if pubAck >= stamp.sentNanos {
            pubAckToReceive.record(UInt64(max(0, now - pubAck)))
        } else {
            // The slot still holds an earlier publish's PUBACK: this one's is not in yet.
            receivedBeforePubAck += 1
            pubAckToReceive.record(0)
        }
    }

    func resetHistograms() {
        endToEnd.reset()
        pubAckToReceive.reset()
        gaps.reset()
        receivedBeforePubAck = 0
        lastEventNanos = 0
    }

    func resumeSending() {
        isSending = true
        for (client, handler) in zip(clients, handlers) { client.resume(handler) }
    }

    func closeAll() {
        for handler in handlers { handler.connection?.close() }
    }

    var openConnections: Int { handlers.count - closed }
}
