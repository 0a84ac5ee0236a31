import NaveModel
import Synchronization

/// The twin service: every registered device and module has a twin (created, empty, on first
/// access), kept in a `TwinStore`. Devices read it and patch their reported properties through
/// `TwinService` (MQTT, contract §1.10); the back end reads, patches and replaces it through
/// the operations in `DeviceTwins+BackEnd.swift` (REST, §4.4).
///
/// Writes to one twin run one at a time: each twin hashes (`ShardHash`) to one of `gateCount`
/// twin shards, a write gate pinned to a home of the hub's `ShardPlacement` (an event loop in a
/// node), held from the load through the store's save to the notifications, so two concurrent patches
/// can neither lose each other's change nor both pass the same `If-Match`, and devices hear of
/// desired changes in `$version` order. Twins on other gates proceed in parallel.
///
/// Each change is durable before it is acknowledged or announced: stored, then the desired
/// delta goes to the device's live connection (if any), then the change is recorded as a
/// twin change event in the telemetry sink.
public final class DeviceTwins: Sendable {
    let store: any TwinStore
    let registry: IdentityRegistry
    let clock: any HubClock
    let telemetry: any TelemetrySink
    private let gates: [WriteGate]
    private let unrecordedEvents = Atomic<Int>(0)
    let operations = TwinOperationCounters()
    let unrecorded: UnrecordedEventHandler
    /// Every stored twin in memory, for queries (`queryableTwins()`).
    let cache = TwinCache()
    /// Told when a twin's tags or reported properties changed (`TwinContentObserver`).
    let contentObserver = Mutex<WeakTwinContentObserver?>(nil)

    /// Twin shards (write gates) twins are spread over, round-robin over the placement's homes
    /// (a power of two is not needed: the index is a modulo). Each gate has one change in flight,
    /// so the gates bound how many changes share a store commit (`SQLiteTwinWriter`) and an
    /// event-log group commit: at 64, 1,000 devices patching made groups of 6 records and the
    /// syncs a third of the node's CPU (issue #18). A gate is an idle actor, about 100 bytes.
    public static let gateCount = 1024
    /// Largest reported-properties patch a device may send, bytes: room for a full 32 KB
    /// section plus deletions of what it replaces (contract §8 limits the section, not the patch).
    public static let reportedPatchBytesMax = 64 * 1024
    /// Parser nesting allowed in a device's patch; deeper than `TwinRules.depthMax` but within
    /// this is refused by the twin rules with a clearer message.
    static let patchParseDepthMax = 32

    /// A twin service over `store` for the identities in `registry`. It registers with the
    /// registry so that deleting a device or module deletes its twin.
    ///
    /// Composition (NaveNode): `DeviceTwins(store: SQLiteTwinStore(database:), registry:,
    /// clock:, telemetry:, placement: LoopShardPlacement(loops:), unrecorded:)`, then
    /// `Hub(…, twins: twins)`.
    /// A twin change event the sink refuses is counted and goes to `unrecorded`.
    public init(store: any TwinStore, registry: IdentityRegistry, clock: any HubClock, telemetry: any TelemetrySink,
                placement: any ShardPlacement = UnpinnedShards(), unrecorded: @escaping UnrecordedEventHandler = { _, _ in }) {
        self.store = store
        self.registry = registry
        self.clock = clock
        self.telemetry = telemetry
        self.unrecorded = unrecorded
        gates = (0..<Self.gateCount).map { WriteGate(home: ShardExecutor(placement, home: $0 % placement.homeCount)) }
        registry.addDeletionObserver(self)
        store.observeOtherWriters { [weak self] change in self?.otherWriterStored(change) }
    }

    /// Twin change events the telemetry sink refused since start. The change itself was stored
    /// and acknowledged; only its event is missing.
    public var unrecordedEventCount: Int { unrecordedEvents.load(ordering: .relaxed) }

    func countUnrecordedEvent() { unrecordedEvents.add(1, ordering: .relaxed) }

    /// Twin operations that succeeded since start, by kind (what a metrics scrape reads).
    public var operationCounts: TwinOperationCounts { operations.snapshot }

    // MARK: The device side (through `Hub`)

    public func deviceGetTwin(_ key: IdentityKey) async throws(HubError) -> [UInt8] {
        try await twin(key).deviceJSON.serialized()  // counted by `twin`
    }

    public func deviceUpdateReported(_ key: IdentityKey, patch: [UInt8]) async throws(HubError) -> Int64 {
        let parsed: JSONValue
        do {
            parsed = try JSONValue(parsing: patch, limits: JSONLimits(documentBytesMax: Self.reportedPatchBytesMax,
                                                                      depthMax: Self.patchParseDepthMax))
        } catch {
            throw .argumentInvalid("The reported properties patch is not valid JSON within \(Self.reportedPatchBytesMax) bytes: \(error.description).")
        }
        guard case .object(let object) = parsed else {
            throw .argumentInvalid("The reported properties patch must be a JSON object.")
        }
        let twin = try await change(key, ifMatch: nil) { twin, now throws(HubError) in try twin.updateReported(object, at: now) }
        operations.count(.reported)
        return twin.reported.version
    }

    // MARK: Shared steps

    /// The generation of the identity `key` names; DeviceNotFound or ModuleNotFound otherwise.
    func identityGeneration(_ key: IdentityKey) throws(HubError) -> String {
        guard let device = registry.device(key.deviceID) else { throw .deviceNotFound(deviceID: key.deviceID) }
        guard let moduleID = key.moduleID else { return device.generationID }
        guard let module = registry.module(key.deviceID, moduleID) else {
            throw .moduleNotFound(deviceID: key.deviceID, moduleID: moduleID)
        }
        return module.generationID
    }

    /// The stored twin of the identity as it is now: a twin kept from an earlier identity of
    /// the same id (other generation) counts as none.
    func storedTwin(_ key: IdentityKey, generation: String) async throws(HubError) -> Twin? {
        let twin = try await loadStored(key)
        return twin?.identityGenerationID == generation ? twin : nil
    }

    /// Whatever the store holds for `key`, of any generation.
    private func loadStored(_ key: IdentityKey) async throws(HubError) -> Twin? {
        do {
            return try await store.loadTwin(key)
        } catch {
            throw .serverError("the twin store failed to load: \(error)")
        }
    }

    /// Times a change is re-applied when another writer of a shared store changed the twin
    /// between this writer's read and its write.
    static let conflictRetriesMax = 8

    /// Runs one change to `key`'s twin under its gate: load (or create) the twin, check
    /// `If-Match` against its etag, apply `body`, and when it changed something store it —
    /// versioned: if another writer stored the twin meanwhile, read it again and re-apply —
    /// notify the device and record the event. Returns the twin as it now is.
    ///
    /// When tags or reported properties changed and `observed`, the content observer (automatic
    /// device configurations, reference §4.3) is told once the gate is released. A change made
    /// for the observer itself passes `observed: false`, so it cannot trigger itself.
    func change(_ key: IdentityKey, ifMatch: String?, observed: Bool = true,
                _ body: (inout Twin, Timestamp) throws(HubError) -> TwinChange?) async throws(HubError) -> Twin {
        var contentChanged = false
        let changed = try await serialized(key) { () async throws(HubError) -> Twin in
            for attempt in 0..<Self.conflictRetriesMax {
                var twin = try await loadOrCreate(key, fromCache: attempt == 0)
                guard ETag.matches(ifMatch: ifMatch, current: twin.etag) else { throw .preconditionFailed() }
                let read = StoredTwinVersion(twin)
                let recorded = twin.configurations
                let now = clock.now()
                let change = try body(&twin, now)
                // What configurations recorded may change alone; it is stored, unannounced.
                guard change != nil || twin.configurations != recorded else { return twin }
                guard try await save(twin, expecting: read) else { continue }
                if let change {
                    await announce(change, of: key, at: now)
                    contentChanged = change.tags != nil || change.reported != nil
                }
                return twin
            }
            throw .serviceUnavailable("The twin of \(key) is being changed by other writers; try again.")
        }
        if observed, contentChanged, let observer = contentObserver.withLock({ $0?.observer }) {
            await observer.twinContentChanged(key)
        }
        return changed
    }

    /// The twin of `key`, created and stored when it has none yet. Runs under the gate.
    ///
    /// `fromCache`: the cached twin when the cache holds one of the identity's generation. The
    /// cache has every twin this node stored since start, as stored, so a patch skips the
    /// store's read and the document's parse (issue #18); should another writer have changed
    /// the twin meanwhile, the versioned save finds a conflict and the retry reads the store.
    func loadOrCreate(_ key: IdentityKey, fromCache: Bool = false) async throws(HubError) -> Twin {
        let generation = try identityGeneration(key)
        if fromCache, let cached = cache.twin(key), cached.identityGenerationID == generation { return cached }
        for _ in 0..<Self.conflictRetriesMax {
            let stored = try await loadStored(key)
            if let stored, stored.identityGenerationID == generation { return stored }
            // None, or one left by an earlier identity of the same id: a new twin replaces it,
            // unless another writer got there first (then read what it stored).
            let twin = Twin(deviceID: key.deviceID, moduleID: key.moduleID, identityGenerationID: generation, createdAt: clock.now())
            if try await save(twin, expecting: StoredTwinVersion(stored)) { return twin }
        }
        throw .serviceUnavailable("The twin of \(key) is being changed by other writers; try again.")
    }

    /// Stores `twin` if the store still holds `expected`; false when another writer was first.
    func save(_ twin: Twin, expecting expected: StoredTwinVersion) async throws(HubError) -> Bool {
        do {
            try await store.saveTwin(twin, expecting: expected)
            cache.stored(twin)
            return true
        } catch TwinStoreError.conflict {
            return false
        } catch {
            throw .storeRefused(error, what: "the twin", context: "the twin store refused the change")
        }
    }

    /// Another writer of a shared store (another node) stored a twin: a desired change reaches
    /// the device if it is connected here, as the writer's own node would have sent it. The
    /// change event is the writer's to record.
    func otherWriterStored(_ change: TwinStoreChange) {
        let current = change.current
        cache.stored(current)
        let previous = change.previous?.identityGenerationID == current.identityGenerationID ? change.previous : nil
        guard current.desired.version > previous?.desired.version ?? 0 else { return }
        var body = JSONObject.mergeDiff(from: previous?.desired.values ?? JSONObject(), to: current.desired.values)
        guard !body.isEmpty else { return }  // a new twin: nothing desired yet
        body["$version"] = .integer(current.desired.version)
        let key = IdentityKey(deviceID: current.deviceID, moduleID: current.moduleID)
        registry.connections.connection(of: key)?.deliver(.desiredPropertiesPatch(version: current.desired.version,
                                                                                   body: JSONValue.object(body).serialized()))
    }

    /// Runs `body` holding the write gate of `key`'s twin.
    func serialized<Result: Sendable>(_ key: IdentityKey,
                                      _ body: () async throws(HubError) -> Result) async throws(HubError) -> Result {
        try await gates[ShardHash.index(of: key.description, shardCount: gates.count)].holding(body)
    }

    /// Tells the device of a desired change (contract §1.10: the delta with `$version`), then
    /// records the change event. Still under the gate, so both go out in version order.
    private func announce(_ change: TwinChange, of key: IdentityKey, at time: Timestamp) async {
        if let notification = change.desiredNotification {
            registry.connections.connection(of: key)?.deliver(.desiredPropertiesPatch(version: notification.version,
                                                                                       body: notification.body))
        }
        if await !telemetry.appendRecord(Self.changeEvent(change, of: key, at: time), unrecorded: unrecorded) {
            countUnrecordedEvent()
        }
    }

    /// A twin change event (IoT Hub's `twinChangeEvents` source): the change as its body, and
    /// the application properties IoT Hub's twin change notifications carry.
    static func changeEvent(_ change: TwinChange, of key: IdentityKey, at time: Timestamp) -> TelemetryEvent {
        var leading = [MessageProperty("deviceId", key.deviceID)]
        if let moduleID = key.moduleID { leading.append(MessageProperty("moduleId", moduleID)) }
        leading.append(MessageProperty("iothub-message-schema", "twinChangeNotification"))
        return .hubEvent(.twinChangeEvents, of: key, operation: change.operation.opType, body: change.eventBody, at: time, leading: leading)
    }
}
