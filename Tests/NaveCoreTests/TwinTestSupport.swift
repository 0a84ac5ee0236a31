import NaveCore
import NaveModel
import NaveTestSupport
import Testing

/// A twin service over in-memory stores, with a device `dev1` (module `m1`) registered.
struct TwinHarness {
    let registry: IdentityRegistry
    let store: any TwinStore
    let sink: InMemoryTelemetrySink
    let clock: ManualClock
    let twins: DeviceTwins

    static let device = IdentityKey(deviceID: "dev1")
    static let module = IdentityKey(deviceID: "dev1", moduleID: "m1")

    init(store: any TwinStore = InMemoryTwinStore(), sink: InMemoryTelemetrySink = InMemoryTelemetrySink()) async throws {
        clock = ManualClock()
        registry = try await makeRegistry(clock: clock)
        self.store = store
        self.sink = sink
        twins = DeviceTwins(store: store, registry: registry, clock: clock, telemetry: sink)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
    }

    /// A live connection of `key`, recording what the hub delivers to it.
    func connect(_ key: IdentityKey) -> RecordingConnection {
        let connection = RecordingConnection()
        registry.connections.register(connection, as: key, at: clock.now())
        return connection
    }

    /// The device's GET body as text.
    func deviceBody(_ key: IdentityKey = device) async throws -> String {
        String(decoding: try await twins.deviceGetTwin(key), as: UTF8.self)
    }

    /// A PATCH of desired properties written as JSON text.
    func patchDesired(_ json: String, _ key: IdentityKey = device, ifMatch: String? = nil) async throws -> Twin {
        try await twins.updateTwin(key, TwinUpdate(desired: JSONValue(parsing: json).objectValue), ifMatch: ifMatch)
    }
}

extension RecordingConnection {
    /// The desired notifications delivered, as (version, body text).
    var desiredPatches: [(version: Int64, body: String)] {
        deliveries.withLock { deliveries in
            deliveries.compactMap { delivery in
                guard case .desiredPropertiesPatch(let version, let body) = delivery else { return nil }
                return (version, String(decoding: body, as: UTF8.self))
            }
        }
    }
}

/// A twin store that suspends in every call, so concurrent writers interleave at each await
/// the way they would on a real disk.
final class YieldingTwinStore: TwinStore {
    let inner = InMemoryTwinStore()

    func loadTwin(_ key: IdentityKey) async throws -> Twin? {
        await Task.yield()
        return try await inner.loadTwin(key)
    }

    func loadAllTwins() async throws -> [Twin] {
        await Task.yield()
        return try await inner.loadAllTwins()
    }

    func saveTwin(_ twin: Twin, expecting expected: StoredTwinVersion?) async throws {
        await Task.yield()
        try await inner.saveTwin(twin, expecting: expected)
        await Task.yield()
    }

    func observeOtherWriters(_ observer: @escaping @Sendable (TwinStoreChange) -> Void) {}

    func deleteTwin(_ key: IdentityKey) async throws { try await inner.deleteTwin(key) }
    func deleteTwins(deviceID: String) async throws { try await inner.deleteTwins(deviceID: deviceID) }
}

/// A telemetry sink that refuses everything.
final class RefusingSink: TelemetrySink {
    func append(_ event: TelemetryEvent) async throws(HubError) { throw .serviceUnavailable() }
}
