import NaveCore
import NaveModel
import NaveTestSupport
import Synchronization
import Testing

/// A connection that ends the way the broker's handler does: `revoke` only asks for the close
/// (it hops to the connection's loop), and the connection unregisters from presence later,
/// when it has actually closed.
final class DeferredCloseConnection: LiveConnection {
    let presence: LiveConnections
    let key: IdentityKey
    private let revocations = Mutex<[RevocationReason]>([])

    init(_ presence: LiveConnections, as key: IdentityKey, at time: Timestamp) {
        self.presence = presence
        self.key = key
        presence.register(self, as: key, at: time)
    }

    func revoke(_ reason: RevocationReason) { revocations.withLock { $0.append(reason) } }
    func deliver(_ delivery: DeviceDelivery) {}

    var revoked: [RevocationReason] { revocations.withLock { $0 } }

    /// The close ran on the connection's loop.
    func closed(at time: Timestamp) { presence.unregister(self, as: key, at: time) }
}

@Suite("Presence across revocations")
struct PresenceRevocationTests {
    @Test("deleting a connected device: the connected count is back to 0 once its connection has closed")
    func deleteConnected() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        let connection = DeferredCloseConnection(registry.connections, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 1)
        try await registry.deleteDevice("dev1", ifMatch: nil)
        #expect(connection.revoked == [.deviceDeleted])
        connection.closed(at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 0)
        #expect(!registry.connections.presence(of: IdentityKey(deviceID: "dev1")).isConnected)
    }

    @Test("deleting connected devices in bulk: the count is back to 0 once they have closed")
    func bulkDeleteConnected() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "a"))
        _ = try await registry.createDevice(DeviceRequest(deviceID: "b"))
        let a = DeferredCloseConnection(registry.connections, as: IdentityKey(deviceID: "a"), at: clock.now())
        let b = DeferredCloseConnection(registry.connections, as: IdentityKey(deviceID: "b"), at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 2)
        let result = try await registry.bulk([ExportImportDevice(deviceID: "a", importMode: .delete)])
        #expect(result.isSuccessful)
        a.closed(at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 1, "only b is connected")
        b.closed(at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 0)
    }

    @Test("a device deleted, re-created and reconnected before its old connection closed is counted once")
    func recreatedBeforeOldCloses() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        let key = IdentityKey(deviceID: "dev1")
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        let old = DeferredCloseConnection(registry.connections, as: key, at: clock.now())
        try await registry.deleteDevice("dev1", ifMatch: nil)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        let new = DeferredCloseConnection(registry.connections, as: key, at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 1)
        old.closed(at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 1 && registry.connections.presence(of: key).isConnected)
        new.closed(at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 0 && !registry.connections.presence(of: key).isConnected)
    }

    @Test("deleting a connected module leaves the device count alone")
    func deleteConnectedModule() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        let device = DeferredCloseConnection(registry.connections, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        let module = DeferredCloseConnection(registry.connections, as: IdentityKey(deviceID: "dev1", moduleID: "m1"), at: clock.now())
        try await registry.deleteModule("dev1", "m1", ifMatch: nil)
        #expect(module.revoked == [.deviceDeleted] && device.revoked.isEmpty)
        module.closed(at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 1)
        device.closed(at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 0)
    }
}
