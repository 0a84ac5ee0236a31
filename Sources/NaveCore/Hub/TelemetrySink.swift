import NaveModel
import Synchronization

/// Where telemetry goes: the built-in events endpoint (a durable partitioned log in NaveStore;
/// routes to other endpoints later). `append` returns only once the event is durable, so the
/// device's acknowledgement (MQTT PUBACK) means "on disk" (DESIGN: durable acknowledgement).
/// The sink stamps the enqueued time.
public protocol TelemetrySink: Sendable {
    func append(_ event: TelemetryEvent) async throws(HubError)

    /// `append(_:)` without a task, when this sink can: queues `event` now and calls
    /// `completion` (nil: durable; else the refusal) from whatever thread finishes it. False
    /// when it cannot take it this way; then nothing was queued and `completion` is never
    /// called, and the caller uses `append(_:)`. Events passed one after another keep their order.
    func appendNow(_ event: TelemetryEvent, completion: @escaping TelemetryCompletion) -> Bool
}

/// The outcome of `TelemetrySink.appendNow`: nil once the event is durable, else the refusal.
public typealias TelemetryCompletion = @Sendable (HubError?) -> Void

/// Told of an event the sink refused (a full disk, say) where no caller can answer with the
/// error: lifecycle, connection-state and twin change events follow a change that is already
/// stored and acknowledged. The node logs it; NaveCore has no logger of its own.
public typealias UnrecordedEventHandler = @Sendable (TelemetryEvent, HubError) -> Void

extension TelemetrySink {
    /// Sinks without a callback path: the caller awaits `append(_:)`.
    public func appendNow(_ event: TelemetryEvent, completion: @escaping TelemetryCompletion) -> Bool { false }

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

    /// Kept at once; `completion` runs before this returns.
    public func appendNow(_ event: TelemetryEvent, completion: @escaping TelemetryCompletion) -> Bool {
        let now = clock.now()
        events.withLock { $0.append((event, now)) }
        completion(nil)
        return true
    }

    public var appended: [TelemetryEvent] { events.withLock { $0.map(\.event) } }
    /// When each of `appended` was enqueued.
    public var enqueuedTimes: [Timestamp] { events.withLock { $0.map(\.enqueuedTime) } }
}
