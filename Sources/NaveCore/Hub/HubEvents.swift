import NaveModel
import Synchronization

/// IoT Hub's connection-state events (a device or module connected or disconnected), recorded
/// in the events endpoint with `iothub-message-source` set and the operation in the `opType`
/// application property, as IoT Hub sends them. Lifecycle events carry the identity's twin, so
/// the twin service records them (`DeviceTwins+Lifecycle`).
///
/// IoT Hub reports a snapshot of the connection state every 60 seconds rather than every
/// transition (reference §2.7): with `snapshotMillis` set, an identity whose state at a
/// snapshot differs from the last one reported gets one event; a device that connected and
/// disconnected between two snapshots gets none. With 0, every transition is an event.
public final class HubEvents: Sendable {
    private struct Snapshot {
        /// The latest state of each identity that changed since the last snapshot.
        var changed: [IdentityKey: Bool] = [:]
        /// Identities last reported connected (any other was last reported disconnected or never).
        var reportedConnected: Set<IdentityKey> = []
    }

    private let sink: any TelemetrySink
    private let clock: any HubClock
    private let unrecorded: UnrecordedEventHandler
    private let snapshotMillis: Int64
    private let snapshot = Mutex(Snapshot())
    /// The next snapshot's timer; once stopped, none is armed again.
    private let timer = Mutex<(next: ScheduledAction?, stopped: Bool)>((nil, false))
    /// Orders connection-state events within one millisecond (their `sequenceNumber`).
    private let connectionSequence = Atomic<UInt64>(0)

    /// IoT Hub's snapshot interval (reference §2.7).
    public static let snapshotMillisDefault: Int64 = 60_000

    /// Starts recording the registry's connection changes; the registry's presence keeps this
    /// recorder (it holds nothing of the registry's). Snapshots (`snapshotMillis` > 0) are
    /// taken once `startSnapshots` gave a scheduler. An event the sink refuses goes to
    /// `unrecorded`: the connection change it records stands.
    public init(registry: IdentityRegistry, sink: any TelemetrySink, clock: any HubClock, snapshotMillis: Int64 = 0,
                unrecorded: @escaping UnrecordedEventHandler = { _, _ in }) {
        self.sink = sink
        self.clock = clock
        self.unrecorded = unrecorded
        self.snapshotMillis = snapshotMillis
        registry.connections.setStateObserver { key, connected in
            guard snapshotMillis > 0 else {
                let event = self.event(key, connected: connected)
                Task { await self.sink.appendRecord(event, unrecorded: self.unrecorded) }
                return
            }
            self.snapshot.withLock { $0.changed[key] = connected }
        }
    }

    /// Takes a snapshot every `snapshotMillis` on `scheduler` until `stopSnapshots`.
    public func startSnapshots(scheduler: any HubScheduler) {
        guard snapshotMillis > 0 else { return }
        let next = scheduler.schedule(afterMillis: snapshotMillis) { [self] in
            Task {
                await self.takeSnapshot()
                self.startSnapshots(scheduler: scheduler)
            }
        }
        // A snapshot that was running when the node stopped does not arm another.
        let stopped = timer.withLock { timer in
            guard !timer.stopped else { return true }
            timer.next = next
            return false
        }
        if stopped { next.cancel() }
    }

    public func stopSnapshots() {
        let pending = timer.withLock { timer in
            timer.stopped = true
            return timer.next
        }
        pending?.cancel()
    }

    /// One event per identity whose state now differs from the one last reported.
    public func takeSnapshot() async {
        let due = snapshot.withLock { snapshot -> [(IdentityKey, Bool)] in
            var due: [(IdentityKey, Bool)] = []
            for (key, connected) in snapshot.changed where connected != snapshot.reportedConnected.contains(key) {
                if connected { snapshot.reportedConnected.insert(key) } else { snapshot.reportedConnected.remove(key) }
                due.append((key, connected))
            }
            snapshot.changed = [:]
            return due
        }
        for (key, connected) in due.sorted(by: { ($0.0.deviceID, $0.0.moduleID ?? "") < ($1.0.deviceID, $1.0.moduleID ?? "") }) {
            await sink.appendRecord(event(key, connected: connected), unrecorded: unrecorded)
        }
    }

    private func event(_ key: IdentityKey, connected: Bool) -> TelemetryEvent {
        let now = clock.now()
        // §2.7: 64 hex digits, strictly increasing, compared as strings.
        let count = connectionSequence.add(1, ordering: .relaxed).newValue
        let body: JSONValue = ["sequenceNumber": .string(HexID.text(UInt64(max(0, now.millisecondsSinceEpoch)), count, digits: 64))]
        return .hubEvent(.deviceConnectionStateEvents, of: key, operation: connected ? "deviceConnected" : "deviceDisconnected",
                         body: body, at: now)
    }
}
