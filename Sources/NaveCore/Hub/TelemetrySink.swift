import NaveModel
import Synchronization

/// Where telemetry goes: the built-in events endpoint (a durable partitioned log in NaveStore;
/// routes to other endpoints later). `append` returns only once the event is durable, so the
/// device's acknowledgement (MQTT PUBACK) means "on disk" (DESIGN: durable acknowledgement).
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

/// A device's message as the hub stamps it (contract §6.6): who sent it, how it
/// authenticated, when it was enqueued.
public struct TelemetryEvent: Sendable, Equatable {
    public enum Source: String, Sendable { case telemetry, deviceConnectionStateEvents, deviceLifecycleEvents, twinChangeEvents }

    public var source: Source
    public var deviceID: String
    public var moduleID: String?
    public var enqueuedTime: Timestamp
    /// `sas`, `x509`, … (IoT Hub's `iothub-connection-auth-method` names the kind).
    public var authMethod: String?
    public var message: DeviceMessage

    public init(source: Source = .telemetry, deviceID: String, moduleID: String? = nil, enqueuedTime: Timestamp,
                authMethod: String? = nil, message: DeviceMessage) {
        self.source = source
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.enqueuedTime = enqueuedTime
        self.authMethod = authMethod
        self.message = message
    }
}

/// A sink that keeps events in memory (tests, embedders without disk).
public final class InMemoryTelemetrySink: TelemetrySink {
    private let events = Mutex<[TelemetryEvent]>([])
    public init() {}
    public func append(_ event: TelemetryEvent) async throws(HubError) { events.withLock { $0.append(event) } }
    public var appended: [TelemetryEvent] { events.withLock { $0 } }
}
