import NaveModel

/// One shard of the C2D queues: the queues of the devices whose ids hash to it
/// (`ShardHash`), owned by an actor that lives on one event loop in a node. Back-end calls
/// (purge, HTTP receive and settlement) reach it with an actor hop; sends, device events and
/// timers arrive through its inbox, in order, without a task each (a send is answered by
/// callback, `CloudToDeviceShard+Send.swift`).
///
/// Every change is posted to the store writer from inside the shard, so the store sees one
/// device's changes in the order the shard made them; deliveries are handed to connections
/// from inside it too, so a device gets them in the order they were locked
/// (`LiveConnection.deliver` only queues to the connection's loop and never calls back).
actor CloudToDeviceShard {
    /// What reaches the shard through its inbox.
    enum Event: Sendable {
        /// A back end's send, checked by the queues (`CloudToDeviceShard+Send.swift`).
        case send(CloudToDeviceSend)
        /// The store answered the send's write (nil: stored).
        case stored(CloudToDeviceSend, QueuedCloudToDeviceMessage, HubError?)
        /// `connection` (the device's newest live connection when it subscribed) takes messages.
        case ready(deviceID: String, connection: any LiveConnection)
        case completed(deviceID: String, lockToken: String)
        /// The connection could not take the delivery: back to the queue, attempt not counted.
        case notReady(deviceID: String, lockToken: String)
        /// A connection of the device ended.
        case gone(IdentityKey)
        case lockExpired(deviceID: String, lockToken: String)
        case messageExpired(deviceID: String, sequenceNumber: Int64)
        /// Another writer of a shared store changed one of this shard's devices' messages.
        case otherWriter(CloudToDeviceStoreChange)
        /// The shard is live (its inbox bound): arm the expiry timers of the messages it loaded.
        /// Not armed in the initialiser, where a timer due at once could reach an inbox that
        /// has no receiver yet.
        case armLoadedExpiries
        /// Resumed once every event sent before it was handled (`CloudToDeviceQueues.flush`).
        case barrier(CheckedContinuation<Void, Never>)
    }

    typealias DeviceQueue = CloudToDeviceRules.DeviceQueue
    typealias Outcome = CloudToDeviceRules.Outcome
    typealias Context = CloudToDeviceRules.Context

    nonisolated let rules: CloudToDeviceRules
    private let registry: IdentityRegistry
    private let clock: any HubClock
    let writer: CloudToDeviceStoreWriter
    let sequenceNumbers: CloudToDeviceSequenceNumbers
    private let home: ShardExecutor
    private var devices: [String: DeviceQueue] = [:]
    /// Messages held now and outcomes since start: plain integers of this actor, kept up by
    /// `update` (a subtraction and an addition per transition), read by `statistics`.
    var statistics = CloudToDeviceStatistics()

    nonisolated var unownedExecutor: UnownedSerialExecutor { home.executor }

    /// A shard at `home` holding `loaded` (its devices' stored messages, current generations
    /// only); their expiry timers are armed by its first event.
    init(rules: CloudToDeviceRules, registry: IdentityRegistry, clock: any HubClock, writer: CloudToDeviceStoreWriter,
         sequenceNumbers: CloudToDeviceSequenceNumbers, home: ShardExecutor, loaded: [QueuedCloudToDeviceMessage]) {
        self.rules = rules
        self.registry = registry
        self.clock = clock
        self.writer = writer
        self.sequenceNumbers = sequenceNumbers
        self.home = home
        let now = clock.now()
        var devices: [String: DeviceQueue] = [:]
        for message in loaded {
            rules.insert(message, into: &devices[message.deviceID, default: DeviceQueue()], now: now, armingExpiry: false)
        }
        self.devices = devices
        statistics.queued = loaded.count
        rules.inbox.bind(self) { shard, event in shard.handle(event) }
        if !loaded.isEmpty { rules.inbox.send(.armLoadedExpiries) }
    }

    // MARK: Back end

    func purge(_ deviceID: String) async throws(HubError) -> Int {
        try await updateDurably(deviceID) { queue, outcome, context in
            let count = queue.entries.count
            while !queue.entries.isEmpty { rules.settle(&queue, at: 0, nil, &outcome, context) }
            return count
        }
    }

    func pendingCount(_ deviceID: String, generationID: String) -> Int {
        devices[deviceID]?.entries.count { $0.message.deviceGenerationID == generationID } ?? 0
    }

    func receive(_ deviceID: String) -> LockedCloudToDeviceMessage? {
        update(deviceID) { queue, outcome, context in
            guard let index = rules.nextAvailable(&queue, &outcome, context) else { return nil }
            return rules.lock(&queue, at: index, for: nil, &outcome)
        }
    }

    /// Completes (`.success`) or rejects (`.rejected`) a locked message; 412002 when the lock
    /// is not held.
    func settle(_ deviceID: String, lockToken: String, _ status: FeedbackStatusCode) async throws(HubError) {
        try await updateDurably(deviceID) { queue, outcome, context throws(HubError) in
            guard let index = queue.index(ofLock: lockToken) else { throw .deviceMessageLockLost() }
            rules.settle(&queue, at: index, status, &outcome, context)
            rules.pump(&queue, &outcome, context)
        }
    }

    func abandon(_ deviceID: String, lockToken: String) async throws(HubError) {
        try await updateDurably(deviceID) { queue, outcome, context throws(HubError) in
            guard let index = queue.index(ofLock: lockToken) else { throw .deviceMessageLockLost() }
            rules.release(&queue, at: index, counted: true, &outcome, context)
            rules.pump(&queue, &outcome, context)
        }
        statistics.abandoned += 1
    }

    // MARK: Device events and timers

    private func handle(_ event: Event) {
        switch event {
        case .send(let send):
            startSend(send)
        case .stored(let send, let queued, let failure):
            finishSend(send, queued, failure: failure)
        case .ready(let deviceID, let connection):
            update(deviceID) { queue, outcome, context in
                queue.ready = connection
                rules.pump(&queue, &outcome, context)
            }
        case .completed(let deviceID, let lockToken):
            update(deviceID) { queue, outcome, context in
                guard let index = queue.index(ofLock: lockToken) else { return }
                rules.settle(&queue, at: index, .success, &outcome, context)
                rules.pump(&queue, &outcome, context)
            }
        case .notReady(let deviceID, let lockToken):
            update(deviceID) { queue, outcome, context in
                guard let index = queue.index(ofLock: lockToken), let connection = queue.entries[index].lock?.connection else { return }
                if queue.ready === connection { queue.ready = nil }
                rules.release(&queue, at: index, counted: false, &outcome, context)
                rules.pump(&queue, &outcome, context)
            }
        case .gone(let key):
            deviceGone(key)
        case .lockExpired(let deviceID, let lockToken):
            // A delivery went unacknowledged for `lockTimeoutMillis`: available again (or
            // dead-lettered), and pushed to the ready connection, if any.
            update(deviceID) { queue, outcome, context in
                guard let index = queue.index(ofLock: lockToken) else { return }
                rules.release(&queue, at: index, counted: true, &outcome, context)
                rules.pump(&queue, &outcome, context)
            }
        case .messageExpired(let deviceID, let sequenceNumber):
            // A locked message stays until its lock is settled: a completion that arrives in
            // time still counts; otherwise `release` expires it.
            update(deviceID) { queue, outcome, context in
                guard let index = queue.index(of: sequenceNumber),
                      queue.entries[index].lock == nil else { return }
                rules.settle(&queue, at: index, .expired, &outcome, context)
            }
        case .otherWriter(let change):
            otherWriterApplied(change)
        case .armLoadedExpiries:
            armLoadedExpiries()
        case .barrier(let continuation):
            continuation.resume()
        }
    }

    /// Applies what another writer stored; nothing is written back (it is stored already).
    private func otherWriterApplied(_ change: CloudToDeviceStoreChange) {
        switch change {
        case .enqueued(let message):
            // A device this node does not know yet (its registry has not caught up) gets the
            // message from the store at the next start.
            update(message.deviceID) { queue, outcome, context in
                guard message.deviceGenerationID == context.generationID, queue.index(of: message.sequenceNumber) == nil else { return }
                rules.insert(message, into: &queue, now: context.now)
                rules.pump(&queue, &outcome, context)
            }
        case .deliveryCountSet(let deviceID, let sequenceNumber, let deliveryCount):
            update(deviceID) { queue, _, _ in
                guard let index = queue.index(of: sequenceNumber), queue.entries[index].lock == nil else { return }
                queue.entries[index].message.deliveryCount = deliveryCount
            }
        case .removed(let deviceID, let sequenceNumber):
            update(deviceID) { queue, outcome, context in
                guard let index = queue.index(of: sequenceNumber) else { return }
                rules.forget(&queue, at: index)
                rules.pump(&queue, &outcome, context)
            }
        case .feedbackAppended, .feedbackRemoved:
            break  // the feedback queue's, not a shard's
        }
    }

    private func armLoadedExpiries() {
        let now = clock.now()
        for (deviceID, var queue) in devices {
            for index in queue.entries.indices where queue.entries[index].expiryTimer == nil {
                rules.armExpiry(of: &queue.entries[index], now: now)
            }
            devices[deviceID] = queue
        }
    }

    /// The ended connection is already unregistered: anything pushed to another connection than
    /// the newest live one can no longer be acknowledged (a PUBACK names a packet of the old
    /// connection), so it goes back to the queue at once, keeping its delivery count.
    private func deviceGone(_ key: IdentityKey) {
        let current = registry.connections.connection(of: key)
        update(key.deviceID) { queue, outcome, context in
            if let ready = queue.ready, ready !== current { queue.ready = nil }
            var index = queue.entries.count - 1
            while index >= 0 {
                if let connection = queue.entries[index].lock?.connection, connection !== current {
                    rules.release(&queue, at: index, counted: true, &outcome, context)
                }
                index -= 1
            }
            rules.pump(&queue, &outcome, context)
        }
    }

    // MARK: Running a transition

    /// Runs `transition` on the device's queue, posts its changes to the store writer (in the
    /// order made) and hands its deliveries out; `done` learns when the changes are stored. A
    /// transition that throws changes nothing and posts nothing.
    @discardableResult
    func update<T: Sendable, Failure: Error>(
        _ deviceID: String, done: (@Sendable (Result<T, HubError>) -> Void)? = nil,
        _ transition: (inout DeviceQueue, inout Outcome, Context) throws(Failure) -> T
    ) throws(Failure) -> T {
        let context = Context(now: clock.now(), generationID: registry.generationID(of: IdentityKey(deviceID: deviceID)))
        var outcome = Outcome()
        var queue = devices.removeValue(forKey: deviceID) ?? DeviceQueue()
        defer { if !queue.isIdle { devices[deviceID] = queue } }
        let held = queue.entries.count
        let value = try transition(&queue, &outcome, context)
        statistics.queued += queue.entries.count - held
        statistics.add(outcome.settled)
        var stored: CloudToDeviceStoreWriter.Done?
        if let done {
            stored = { failure in done(failure.map { .failure($0) } ?? .success(value)) }
        }
        post(outcome, done: stored)
        for (connection, delivery) in outcome.deliveries { connection.deliver(.cloudToDevice(delivery)) }
        return value
    }

    /// `update` that returns once the transition's changes are stored.
    private func updateDurably<T: Sendable>(
        _ deviceID: String, _ transition: (inout DeviceQueue, inout Outcome, Context) throws(HubError) -> T
    ) async throws(HubError) -> T {
        let result: Result<T, HubError> = await withCheckedContinuation { continuation in
            do throws(HubError) {
                try update(deviceID, done: { continuation.resume(returning: $0) }, transition)
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    private func post(_ outcome: Outcome, done: CloudToDeviceStoreWriter.Done?) {
        let records = outcome.feedback
        // A transition that stored nothing and waits for nothing (a device ready or gone, a
        // send's depth check) would still cost the writer a batch, and a task when it was idle:
        // per connect and per send, and as many as thread timing made (NaveHubMicro).
        guard !outcome.changes.isEmpty || !records.isEmpty || done != nil else { return }
        let feedback = rules.feedback
        writer.post(outcome.changes) { failure in
            // Feedback is offered only once stored, so a completed batch is never resurrected.
            if failure == nil { feedback.publish(records) }
            done?(failure)
        }
    }
}
