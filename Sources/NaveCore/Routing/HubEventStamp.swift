import NaveModel
import Synchronization

/// What every non-telemetry event carries (reference §2.7): `correlation-id` (a unique id of
/// the event, `$correlationId`), `user-id` (the hub's name, `$userId`), and the application
/// properties `hubName`, `deviceId`, [`moduleId`] and `iothub-message-schema` beside the
/// `opType` and `operationTimestamp` their producers set. Stamped once, where every event
/// passes (`RoutingTelemetrySink`), so conditions see them too; properties a producer already
/// set are kept.
final class HubEventStamp: Sendable {
    private let hubName: String
    private let clock: any HubClock
    private let counter = Atomic<UInt64>(0)

    init(hubName: String, clock: any HubClock) {
        self.hubName = hubName
        self.clock = clock
    }

    /// `event` with §2.7's common properties; telemetry is returned as it is.
    func stamped(_ event: TelemetryEvent) -> TelemetryEvent {
        guard let schema = Self.schema(event.source) else { return event }
        var event = event
        let id = nextID()
        if event.message.systemProperty("$.cid") == nil { event.message.systemProperties.append(MessageProperty("$.cid", id)) }
        if event.message.systemProperty("$.uid") == nil { event.message.systemProperties.append(MessageProperty("$.uid", hubName)) }
        var wanted = [("hubName", hubName), ("deviceId", event.deviceID)]
        if let moduleID = event.moduleID { wanted.append(("moduleId", moduleID)) }
        wanted.append(("iothub-message-schema", schema))
        for (name, value) in wanted where !event.message.applicationProperties.contains(where: { $0.name == name }) {
            event.message.applicationProperties.append(MessageProperty(name, value))
        }
        return event
    }

    /// `iothub-message-schema` of each non-telemetry source (§2.7).
    static func schema(_ source: TelemetryEvent.Source) -> String? {
        switch source {
        case .telemetry: nil
        case .twinChangeEvents: "twinChangeNotification"
        case .deviceLifecycleEvents: "deviceLifecycleNotification"
        case .deviceConnectionStateEvents: "deviceConnectionStateNotification"
        }
    }

    /// A unique, increasing id: the time in milliseconds, then a per-process count, in hex.
    private func nextID() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        return HexID.text(UInt64(max(0, clock.now().millisecondsSinceEpoch)), count, digits: 32)
    }
}

/// Fixed-width lowercase hex of two numbers, the first most significant: ids that compare as
/// strings in the order of the numbers (§2.7's connection-state `sequenceNumber`).
enum HexID {
    static func text(_ high: UInt64, _ low: UInt64, digits: Int) -> String {
        let half = digits / 2
        return pad(String(high, radix: 16), half) + pad(String(low, radix: 16), digits - half)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.suffix(width)) : String(repeating: "0", count: width - text.count) + text
    }
}
