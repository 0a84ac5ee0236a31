import NaveEncoding
import NaveModel
import Synchronization

/// The hub's identity registry: devices, modules and shared access policies.
///
/// Reads are synchronous and never touch the disk: the whole registry is held in memory
/// (`RegistryTables`, behind a lock held for a dictionary lookup), so authenticating a CONNECT
/// costs a lookup and an HMAC. Writes go through `WriteGate` one at a time: plan the change
/// against the current tables, store it durably (`IdentityStore.apply`), then publish it to the
/// tables and revoke the connections it invalidates. A change is visible only once it is stored.
public final class IdentityRegistry: Sendable {
    let store: any IdentityStore
    let clock: any HubClock
    let random: any HubRandom
    let tables: Mutex<RegistryTables>
    private let gate = WriteGate()
    /// Connection state per identity, and the handle to drop connections.
    public let connections = LiveConnections()
    /// Services told when an identity is deleted (`addDeletionObserver`).
    let deletionObservers = IdentityDeletionObservers()

    /// Loads the registry from `store`. A store without policies is a new hub: the five IoT
    /// Hub default policies are created with fresh keys.
    public init(store: any IdentityStore, clock: any HubClock, random: any HubRandom) async throws {
        self.store = store
        self.clock = clock
        self.random = random
        let snapshot = try await store.loadRegistry()
        tables = Mutex(RegistryTables(snapshot))
        if snapshot.policies.isEmpty {
            let policies = SharedAccessPolicy.defaultRights.map {
                SharedAccessPolicy(name: $0.name, rights: $0.rights, primaryKey: newKey(), secondaryKey: newKey())
            }
            _ = try await commit { _ in (policies.map(RegistryChange.putPolicy), ()) }
        }
    }

    // MARK: Reads

    public func device(_ deviceID: String) -> DeviceIdentity? {
        tables.withLock { $0.devices[deviceID] }
    }

    public func module(_ deviceID: String, _ moduleID: String) -> ModuleIdentity? {
        tables.withLock { $0.modules[deviceID]?[moduleID] }
    }

    /// Devices sorted by id, at most `limit` (IoT Hub's `top`).
    public func devices(limit: Int? = nil) -> [DeviceIdentity] {
        let all = tables.withLock { Array($0.devices.values) }.sorted { $0.deviceID < $1.deviceID }
        return limit.map { Array(all.prefix(max(0, $0))) } ?? all
    }

    /// The modules of a device, sorted by id; throws when the device does not exist.
    public func modules(of deviceID: String) throws(HubError) -> [ModuleIdentity] {
        let found: [ModuleIdentity]? = tables.withLock { tables in
            guard tables.devices[deviceID] != nil else { return nil }
            return Array((tables.modules[deviceID] ?? [:]).values)
        }
        guard let found else { throw .deviceNotFound(deviceID: deviceID) }
        return found.sorted { $0.moduleID < $1.moduleID }
    }

    public func policy(named name: String) -> SharedAccessPolicy? {
        tables.withLock { $0.policies[name] }
    }

    public var policies: [SharedAccessPolicy] {
        tables.withLock { Array($0.policies.values) }.sorted { $0.name < $1.name }
    }

    /// Device counts (IoT Hub's `RegistryStatistics`).
    public var statistics: RegistryStatistics {
        tables.withLock { tables in
            let enabled = tables.devices.values.count { $0.status == .enabled }
            return RegistryStatistics(totalDeviceCount: tables.devices.count, enabledDeviceCount: enabled,
                              disabledDeviceCount: tables.devices.count - enabled)
        }
    }

    // MARK: Writing

    /// Runs one write: `plan` reads the current tables and returns the changes (or throws a
    /// failure, changing nothing); the changes are stored, then published.
    func commit<Result: Sendable>(
        _ plan: (RegistryTables) throws(HubError) -> ([RegistryChange], Result)
    ) async throws(HubError) -> Result {
        await gate.acquire()
        do throws(HubError) {
            let current = tables.withLock { $0 }
            let (changes, result) = try plan(current)
            if !changes.isEmpty {
                do {
                    try await store.apply(changes)
                } catch {
                    throw HubError.storeRefused(error, what: "the registry change", context: "the store refused the change")
                }
                tables.withLock { $0.apply(changes) }
            }
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }

    /// A new symmetric key: base64 of 32 random bytes, as IoT Hub generates them.
    func newKey() -> String { Base64.encode(random.bytes(32)) }

    /// A new generation id: 18 decimal digits, IoT Hub's shape.
    func newGenerationID() -> String {
        let value = random.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return String(100_000_000_000_000_000 + value % 900_000_000_000_000_000)
    }
}
