import NaveModel
import Synchronization

/// Where telemetry goes: the built-in events endpoint (a durable partitioned log in NaveStore;
/// routes to other endpoints later). `append` returns only once the event is durable, so the
/// device's acknowledgement (MQTT PUBACK) means "on disk" (DESIGN: durable acknowledgement).
/// The sink stamps the enqueued time.
public protocol TelemetrySink: Sendable {
    func append(_ event: TelemetryEvent) async throws(HubError)
}

/// A sink that keeps events in memory (tests, embedders without disk), stamped by `clock`.
public final class InMemoryTelemetrySink: TelemetrySink {
    private let events = Mutex<[(event: TelemetryEvent, enqueuedTime: Timestamp)]>([])
    private let clock: any HubClock

    public init(clock: any HubClock = ManualClock()) { self.clock = clock }

    public func append(_ event: TelemetryEvent) async throws(HubError) {
        let now = clock.now()
        events.withLock { $0.append((event, now)) }
    }

    public var appended: [TelemetryEvent] { events.withLock { $0.map(\.event) } }
    /// When each of `appended` was enqueued.
    public var enqueuedTimes: [Timestamp] { events.withLock { $0.map(\.enqueuedTime) } }
}
