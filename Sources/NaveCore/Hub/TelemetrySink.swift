import NaveModel
import Synchronization

/// Where telemetry goes: the built-in events endpoint (a durable partitioned log in NaveStore;
/// routes to other endpoints later). `append` returns only once the event is durable, so the
/// device's acknowledgement (MQTT PUBACK) means "on disk" (DESIGN: durable acknowledgement).
/// The sink stamps the enqueued time.
public protocol TelemetrySink: Sendable {
    func append(_ event: TelemetryEvent) async throws(HubError)
}

/// Told of an event the sink refused (a full disk, say) where no caller can answer with the
/// error: lifecycle, connection-state and twin change events follow a change that is already
/// stored and acknowledged. The node logs it; NaveCore has no logger of its own.
public typealias UnrecordedEventHandler = @Sendable (TelemetryEvent, HubError) -> Void

extension TelemetrySink {
    /// Appends an event that records a change already made: a refusal cannot undo the change,
    /// so it goes to `unrecorded` instead of the change's caller. Returns whether it was stored.
    @discardableResult
    func appendRecord(_ event: TelemetryEvent, unrecorded: UnrecordedEventHandler) async -> Bool {
        do {
            try await append(event)
            return true
        } catch {
            unrecorded(event, error)
            return false
        }
    }
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
