import NaveModel
import Synchronization

/// IoT Hub's routing sources besides telemetry, recorded in the events endpoint: device
/// lifecycle events (an identity created or deleted) and connection-state events (a device or
/// module connected or disconnected). Each is an event with `iothub-message-source` set and the
/// operation in the `opType` application property, as IoT Hub sends them.
public final class HubEvents: IdentityDeletionObserver {
    private let sink: any TelemetrySink
    private let clock: any HubClock
    private let unrecorded: UnrecordedEventHandler
    /// Orders connection-state events within one millisecond (their `sequenceNumber`).
    private let connectionSequence = Atomic<UInt64>(0)

    /// Starts recording the registry's lifecycle and its presence's connection changes. An event
    /// the sink refuses goes to `unrecorded`: the identity or connection change it records stands.
    public init(registry: IdentityRegistry, sink: any TelemetrySink, clock: any HubClock,
                unrecorded: @escaping UnrecordedEventHandler = { _, _ in }) {
        self.sink = sink
        self.clock = clock
        self.unrecorded = unrecorded
        registry.addDeletionObserver(self)
        registry.connections.setStateObserver { [weak self] key, connected in
            guard let self else { return }
            let event = self.event(.deviceConnectionStateEvents, key, operation: connected ? "deviceConnected" : "deviceDisconnected")
            Task { await self.sink.appendRecord(event, unrecorded: self.unrecorded) }
        }
    }

    public func identityCreated(deviceID: String, moduleID: String?) async {
        let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
        await sink.appendRecord(event(.deviceLifecycleEvents, key, operation: moduleID == nil ? "createDeviceIdentity" : "createModuleIdentity"),
                                unrecorded: unrecorded)
    }

    public func identityDeleted(deviceID: String, moduleID: String?) async {
        let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
        await sink.appendRecord(event(.deviceLifecycleEvents, key, operation: moduleID == nil ? "deleteDeviceIdentity" : "deleteModuleIdentity"),
                                unrecorded: unrecorded)
    }

    /// The node that deleted the identity records the event (one event per deletion, as IoT Hub).
    public func identityDeletedByOtherWriter(deviceID: String, moduleID: String?) async {}

    private func event(_ source: TelemetryEvent.Source, _ key: IdentityKey, operation: String) -> TelemetryEvent {
        let now = clock.now()
        var body: JSONObject = ["deviceId": .string(key.deviceID)]
        if let moduleID = key.moduleID { body["moduleId"] = .string(moduleID) }
        body["operationTimestamp"] = .string(now.iso8601)
        if source == .deviceConnectionStateEvents {
            // §2.7: 64 hex digits, strictly increasing, compared as strings.
            let count = connectionSequence.add(1, ordering: .relaxed).newValue
            body = ["sequenceNumber": .string(HexID.text(UInt64(max(0, now.millisecondsSinceEpoch)), count, digits: 64))]
        }
        let message = DeviceMessage(body: JSONValue.object(body).serialized(),
                                    systemProperties: [MessageProperty("$.ct", "application/json"), MessageProperty("$.ce", "utf-8")],
                                    applicationProperties: [MessageProperty("opType", operation),
                                                            MessageProperty("operationTimestamp", now.iso8601)])
        return TelemetryEvent(source: source, deviceID: key.deviceID, moduleID: key.moduleID, message: message)
    }
}
