import NaveEncoding
import NaveModel
import Synchronization

/// The hub's identity registry: devices, modules and shared access policies.
///
/// Reads are synchronous and never touch the disk: the whole registry is held in memory
/// (`RegistryTables`, behind a lock held for a dictionary lookup), so authenticating a CONNECT
/// costs a lookup and an HMAC. Writes go through `WriteGate` one at a time: plan the change
/// against the current tables, store it durably (`IdentityStore.apply`, versioned: the store
/// checks that every row the plan read is still what it read), then publish it to the tables
/// and revoke the connections it invalidates. A change is visible only once it is stored.
///
/// Other writers of a shared store (other nodes) change it too. Their batches reach the tables
/// through `OtherWriterInbox`, with the same revocations and deletion notices as a local write
/// (`IdentityRegistry+OtherWriters.swift`); a write planned on rows another writer changed
/// before their batch arrived is refused by the store, and re-planned on the rows read again.
public final class IdentityRegistry: Sendable {
    let store: any IdentityStore
    let clock: any HubClock
    let random: any HubRandom
    let tables: Mutex<RegistryTables>
    let gate = WriteGate()
    /// Connection state per identity, and the handle to drop connections.
    public let connections = LiveConnections()
    /// Services told when an identity is deleted (`addDeletionObserver`).
    let deletionObservers = IdentityDeletionObservers()
    /// Other writers' batches waiting for the write gate.
    let otherWriters: OtherWriterInbox

    /// Times a write is planned when another writer keeps changing a row it read between the
    /// read and the store's check (as `DeviceTwins.conflictRetriesMax`); then 503.
    public static let conflictRetriesMax = 8
    /// Other writers' batches waiting to be applied here, at most (`OtherWriterInbox`). A batch
    /// is a few rows; a node this far behind is better served by one reload than by replaying.
    public static let otherWriterBatchesQueuedMax = 4096

    /// Loads the registry from `store`. A store without policies is a new hub: the five IoT
    /// Hub default policies are created with fresh keys.
    public init(store: any IdentityStore, clock: any HubClock, random: any HubRandom) async throws {
        self.store = store
        self.clock = clock
        self.random = random
        // Subscribed before the load: a batch stored after it is queued, and one the load
        // already holds changes nothing when it arrives (its rows are no longer as it found them).
        let inbox = OtherWriterInbox(batchesQueuedMax: Self.otherWriterBatchesQueuedMax)
        otherWriters = inbox
        store.observeOtherWriters { batch in inbox.receive(batch) }
        let snapshot = try await store.loadRegistry()
        tables = Mutex(RegistryTables(snapshot))
        startApplyingOtherWriters()
        if snapshot.policies.isEmpty {
            let policies = SharedAccessPolicy.defaultRights.map {
                SharedAccessPolicy(name: $0.name, rights: $0.rights, primaryKey: newKey(), secondaryKey: newKey())
            }
            // Another node starting on the same empty store may be first: then its policies are kept.
            _ = try await commit { tables in (tables.policies.isEmpty ? policies.map(RegistryChange.putPolicy) : [], ()) }
        }
    }

    deinit { otherWriters.finish() }

    // MARK: Reads

    public func device(_ deviceID: String) -> DeviceIdentity? {
        tables.withLock { $0.devices[deviceID] }
    }

    public func module(_ deviceID: String, _ moduleID: String) -> ModuleIdentity? {
        tables.withLock { $0.modules[deviceID]?[moduleID] }
    }

    /// The identity's generation id alone (no copy of the identity): adapters stamp it on a
    /// connection's telemetry (`iothub-connection-auth-generation-id`), read once per connection.
    public func generationID(of key: IdentityKey) -> String? {
        tables.withLock { tables in
            guard let moduleID = key.moduleID else { return tables.devices[key.deviceID]?.generationID }
            return tables.modules[key.deviceID]?[moduleID]?.generationID
        }
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
    /// failure, changing nothing); the changes are stored, expecting every row they write to be
    /// as `plan` read it, then published. When another writer changed one of those rows, they
    /// are read again from the store (`IdentityStore.loadRows`), learned as another writer's
    /// change, and `plan` runs again on the fresh tables: an `If-Match` that no longer matches
    /// is then 412, a create of an id the other writer created 409, as if the other write had
    /// arrived first. At most `conflictRetriesMax` plans, then 503.
    ///
    /// `alsoRead` names rows the plan's rule read without writing them (the policies that must
    /// remain when one is deleted): they are expected unchanged too.
    func commit<Result: Sendable>(
        alsoRead: (RegistryTables) -> [RegistryRowKey] = { _ in [] },
        _ plan: (RegistryTables) throws(HubError) -> ([RegistryChange], Result)
    ) async throws(HubError) -> Result {
        await gate.acquire()
        var learned: [LearnedEffect] = []
        do throws(HubError) {
            let result = try await commitHoldingGate(alsoRead: alsoRead, plan, learned: &learned)
            await gate.release()
            await perform(learned)
            return result
        } catch {
            await gate.release()
            await perform(learned)
            throw error
        }
    }

    private func commitHoldingGate<Result: Sendable>(
        alsoRead: (RegistryTables) -> [RegistryRowKey],
        _ plan: (RegistryTables) throws(HubError) -> ([RegistryChange], Result), learned: inout [LearnedEffect]
    ) async throws(HubError) -> Result {
        for _ in 0..<Self.conflictRetriesMax {
            let current = tables.withLock { $0 }
            let (changes, result) = try plan(current)
            guard !changes.isEmpty else { return result }
            let read = changes.map(\.key) + alsoRead(current)
            var stale = Set(read.map(Self.rereadKey))
            do {
                try await store.apply(changes, expecting: current.versions(of: read))
                tables.withLock { $0.apply(changes) }
                return result
            } catch IdentityStoreError.conflict(let key) {
                stale.insert(Self.rereadKey(of: key))
            } catch IdentityStoreError.unknownDevice(let deviceID) {
                // The tables held the device, the store did not: another writer deleted it.
                stale.insert(.device(deviceID: deviceID))
            } catch {
                throw HubError.storeRefused(error, what: "the registry change", context: "the store refused the change")
            }
            learned += try await reread(stale)
        }
        throw .serviceUnavailable("The registry is being changed by other writers; try again.")
    }

    /// What to read again when a write of `key` met another writer: a module's device too (its
    /// key brings its modules), since the other writer may have deleted the whole device, and
    /// the answer is then DeviceNotFound rather than ModuleNotFound.
    private static func rereadKey(of key: RegistryRowKey) -> RegistryRowKey {
        if case .module(let deviceID, _) = key { return .device(deviceID: deviceID) }
        return key
    }

    /// A new symmetric key: base64 of 32 random bytes, as IoT Hub generates them.
    func newKey() -> String { Base64.encode(random.bytes(32)) }

    /// A new generation id: 18 decimal digits, IoT Hub's shape.
    func newGenerationID() -> String {
        let value = random.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return String(100_000_000_000_000_000 + value % 900_000_000_000_000_000)
    }
}

/// The registry as one query page reads it: the identities and their listing order, taken
/// together under the registry's lock (the dictionaries are copy-on-write, so this copies nothing
/// unless a write comes after), then read without it.
public struct RegistrySnapshotView: Sendable {
    public let devices: [String: DeviceIdentity]
    /// deviceID → moduleID → module.
    public let modules: [String: [String: ModuleIdentity]]
    /// The keys of the collection asked for, ascending (`IdentityKey`'s order).
    public let order: [IdentityKey]
}

extension IdentityRegistry {
    /// The identities now, with the devices' keys in order (`modules: false`) or the modules'.
    public func snapshotView(modules ofModules: Bool) -> RegistrySnapshotView {
        tables.withLock { tables in
            RegistrySnapshotView(devices: tables.devices, modules: tables.modules,
                                 order: ofModules ? tables.moduleOrder.inOrder() : tables.deviceOrder.inOrder())
        }
    }
}
