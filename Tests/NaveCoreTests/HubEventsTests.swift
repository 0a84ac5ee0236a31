import NaveCore
import NaveModel
import NaveTestSupport
import Synchronization
import Testing

@Suite("Hub events")
struct HubEventsTests {
    @Test("identity lifecycle and connection state are recorded with IoT Hub's opType")
    func lifecycleAndConnectionState() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        let sink = InMemoryTelemetrySink()
        let events = HubEvents(registry: registry, sink: sink, clock: clock)
        let twins = DeviceTwins(store: InMemoryTwinStore(), registry: registry, clock: clock, telemetry: sink)
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
        // §2.7: a connection-state body is {"sequenceNumber":"<64 hex digits>"}, increasing.
        let sequence = try sink.appended.filter { $0.source == .deviceConnectionStateEvents }.map { event in
            try #require(JSONValue(parsing: event.message.body)["sequenceNumber"]?.stringValue)
        }
        #expect(sequence.count == 2 && sequence.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        _ = (events, twins)
    }

    @Test("with a snapshot interval, one event per identity whose state changed since the last report; a blip makes none")
    func snapshots() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        let sink = InMemoryTelemetrySink()
        let scheduler = ManualScheduler()
        let events = HubEvents(registry: registry, sink: sink, clock: clock, snapshotMillis: 60_000)
        events.startSnapshots(scheduler: scheduler)
        let (one, two) = (RecordingConnection(), RecordingConnection())
        registry.connections.register(one, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        registry.connections.register(two, as: IdentityKey(deviceID: "dev2"), at: clock.now())
        registry.connections.unregister(two, as: IdentityKey(deviceID: "dev2"), at: clock.now())
        #expect(sink.appended.isEmpty, "nothing before the snapshot")
        func reported() -> [String] {
            sink.appended.map { "\($0.deviceID):\($0.message.applicationProperties.first { $0.name == "opType" }?.value ?? "")" }
        }
        await events.takeSnapshot()
        #expect(reported() == ["dev1:deviceConnected"], "dev2 connected and left between two snapshots")
        registry.connections.unregister(one, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        registry.connections.register(one, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        await events.takeSnapshot()
        #expect(reported().count == 1, "dev1 is connected again, as last reported")
        registry.connections.unregister(one, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        scheduler.advance(millis: 60_000)   // the timer takes it
        for _ in 0..<200 where sink.appended.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(reported() == ["dev1:deviceConnected", "dev1:deviceDisconnected"])
        events.stopSnapshots()
        events.startSnapshots(scheduler: scheduler) // what a snapshot running at the stop does when it ends
        registry.connections.register(one, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        scheduler.advance(millis: 120_000)
        try await Task.sleep(for: .milliseconds(50))
        #expect(sink.appended.count == 2, "stopped: no snapshot is taken any more")
    }

    @Test("a lifecycle event's body is the identity's twin: empty at creation, as it was at deletion")
    func lifecycleBodyIsTheTwin() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        let sink = InMemoryTelemetrySink()
        let twins = DeviceTwins(store: InMemoryTwinStore(), registry: registry, clock: clock, telemetry: sink)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        _ = try await twins.updateTwin(IdentityKey(deviceID: "dev1"), TwinUpdate(tags: ["site": "north"]), ifMatch: nil)
        try await registry.deleteDevice("dev1", ifMatch: nil)
        let lifecycle = try sink.appended.filter { $0.source == .deviceLifecycleEvents }.map { try JSONValue(parsing: $0.message.body) }
        #expect(lifecycle.count == 3)
        let created = try #require(lifecycle.first)
        #expect(created["deviceId"] == "dev1" && created["moduleId"] == nil)
        #expect(created["etag"] == "AAAAAAAAAAE=" && created["version"] == 1 && created["tags"] == .object([:]))
        #expect(created["properties"]?["desired"]?["$version"] == 1)
        #expect(created["properties"]?["reported"]?["$metadata"]?["$lastUpdated"]?.stringValue?.hasSuffix("Z") == true)
        #expect(lifecycle[1]["moduleId"] == "m1")
        let deleted = lifecycle[2]
        #expect(deleted["tags"]?["site"] == "north" && deleted["version"] == 2, "the twin as it was when deleted")
        #expect(sink.appended.last?.message.applicationProperties.contains(MessageProperty("opType", "deleteDeviceIdentity")) == true)
    }

    @Test("an event the sink refuses is reported with its kind and device; the identity stays")
    func refusedEventsAreReported() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        let reported = UnrecordedEvents()
        let events = HubEvents(registry: registry, sink: RefusingSink(), clock: clock, unrecorded: reported.record)
        let twins = DeviceTwins(store: InMemoryTwinStore(), registry: registry, clock: clock, telemetry: RefusingSink(),
                                unrecorded: reported.record)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        #expect(reported.entries == ["deviceLifecycleEvents dev1 503"])
        let connection = RecordingConnection()
        registry.connections.register(connection, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        // Connection-state events are appended from a task: give it a moment, bounded.
        for _ in 0..<200 where reported.entries.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(reported.entries.last == "deviceConnectionStateEvents dev1 503")
        #expect(registry.device("dev1") != nil)
        _ = (events, twins)
    }
}

/// What an `UnrecordedEventHandler` was told: "source device status" per event.
final class UnrecordedEvents: Sendable {
    private let state = Mutex<[String]>([])
    var entries: [String] { state.withLock { $0 } }

    @Sendable func record(_ event: TelemetryEvent, _ error: HubError) {
        state.withLock { $0.append("\(event.source.rawValue) \(event.deviceID) \(error.status)") }
    }
}
