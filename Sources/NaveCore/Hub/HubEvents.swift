import NaveModel
import Synchronization

/// IoT Hub's connection-state events (a device or module connected or disconnected), recorded
/// in the events endpoint with `iothub-message-source` set and the operation in the `opType`
/// application property, as IoT Hub sends them. Lifecycle events carry the identity's twin, so
/// the twin service records them (`DeviceTwins+Lifecycle`).
public final class HubEvents: Sendable {
    private let sink: any TelemetrySink
    private let clock: any HubClock
    private let unrecorded: UnrecordedEventHandler
    /// Orders connection-state events within one millisecond (their `sequenceNumber`).
    private let connectionSequence = Atomic<UInt64>(0)

    /// Starts recording the registry's connection changes; the registry's presence keeps this
    /// recorder (it holds nothing of the registry's). An event the sink refuses goes to
    /// `unrecorded`: the connection change it records stands.
    public init(registry: IdentityRegistry, sink: any TelemetrySink, clock: any HubClock,
                unrecorded: @escaping UnrecordedEventHandler = { _, _ in }) {
        self.sink = sink
        self.clock = clock
        self.unrecorded = unrecorded
        registry.connections.setStateObserver { key, connected in
            let event = self.event(.deviceConnectionStateEvents, key, operation: connected ? "deviceConnected" : "deviceDisconnected")
            Task { await self.sink.appendRecord(event, unrecorded: self.unrecorded) }
        }
    }

    private func event(_ source: TelemetryEvent.Source, _ key: IdentityKey, operation: String) -> TelemetryEvent {
        let now = clock.now()
        // §2.7: 64 hex digits, strictly increasing, compared as strings.
        let count = connectionSequence.add(1, ordering: .relaxed).newValue
        let body: JSONValue = ["sequenceNumber": .string(HexID.text(UInt64(max(0, now.millisecondsSinceEpoch)), count, digits: 64))]
        return .hubEvent(source, of: key, operation: operation, body: body, at: now)
    }
}
