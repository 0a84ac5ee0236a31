import Histogram
import NaveAMQP
import NaveIO

/// The spike's clients on one loop: Proton connections (`AMQPSpikeClient`) counting what they
/// receive or get accepted, with an end-to-end latency histogram from the server's stamp.
/// Loop-confined: created, driven and read on `loop` only (reads go through `submitAndWait`).
final class AMQPSpikeLoad {
    struct Snapshot {
        var attached = 0
        var closed = 0
        var received = 0
        var accepted = 0
        var badBodies = 0
    }

    let loop: EventLoop
    private var counters = Snapshot()
    private var handlers: [AMQPConnectionHandler] = []
    private var clients: [AMQPSpikeClient] = []
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Opens `count` connections from `sources` in turn, each one link of `mode`.
    func open(count: Int, to address: SocketAddress, sources: [SocketAddress], mode: AMQPSpikeClient.Mode) {
        for index in 0..<count {
            let client = AMQPSpikeClient(mode: mode)
            client.onAttached = { [unowned self] in counters.attached += 1 }
            client.onClose = { [unowned self] in counters.closed += 1 }
            client.onAccepted = { [unowned self] in counters.accepted += 1 }
            client.onMessage = { [unowned self] body in
                counters.received += 1
                if body.count != AMQPSpikeMessage.bodyBytes { counters.badBodies += 1 }
                if let stamp = AMQPSpikeMessage.stamp(ofBody: body) {
                    latency.record(UInt64(max(0, monotonicNanos() - stamp)))
                }
            }
            let handler = AMQPConnectionHandler(role: .client(containerID: "spike-\(index)", hostname: "localhost"),
                                                application: client)
            clients.append(client)
            handlers.append(handler)
            loop.connect(to: address, from: sources.isEmpty ? nil : sources[index % sources.count], handler: handler)
        }
    }

    var snapshot: Snapshot { counters }

    func resetLatency() { latency.reset() }

    /// Stops every sender (their credit stays unused), so the server goes idle.
    func stopSending() {
        for client in clients { client.isSending = false }
    }

    func closeAll() {
        for handler in handlers { handler.connection?.close() }
    }
}
