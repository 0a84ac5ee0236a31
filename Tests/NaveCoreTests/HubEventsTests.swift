import NaveCore
import NaveModel
import NaveTestSupport
import Testing

@Suite("Hub events")
struct HubEventsTests {
    @Test("identity lifecycle and connection state are recorded with IoT Hub's opType")
    func lifecycleAndConnectionState() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        let sink = InMemoryTelemetrySink()
        let events = HubEvents(registry: registry, sink: sink, clock: clock)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        let connection = RecordingConnection()
        registry.connections.register(connection, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        registry.connections.unregister(connection, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        try await registry.deleteDevice("dev1", ifMatch: nil)
        // Connection-state events are appended from a task: give it a moment, bounded.
        for _ in 0..<200 where sink.appended.count < 5 { try await Task.sleep(for: .milliseconds(5)) }
        let recorded = sink.appended.map { event in
            "\(event.source.rawValue):\(event.message.applicationProperties.first { $0.name == "opType" }?.value ?? "")"
        }
        #expect(Set(recorded) == [
            "deviceLifecycleEvents:createDeviceIdentity", "deviceLifecycleEvents:createModuleIdentity",
            "deviceConnectionStateEvents:deviceConnected", "deviceConnectionStateEvents:deviceDisconnected",
            "deviceLifecycleEvents:deleteDeviceIdentity",
        ])
        #expect(sink.appended.allSatisfy { $0.deviceID == "dev1" })
        _ = events
    }
}
