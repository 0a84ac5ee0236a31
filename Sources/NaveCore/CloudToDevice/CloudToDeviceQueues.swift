import NaveModel

/// Cloud-to-device messaging (contract §1.8, §4.2, §5.4, §8): a durable FIFO queue per
/// device, delivery to the device's ready MQTT connection or to its HTTP receives, locks with
/// a timeout, dead-lettering, and the feedback queue.
///
/// - **Sending.** `send` checks the device, the body and the queue depth (50, then 403004),
///   stores the message, and only then makes it available: a send that returned is durable.
/// - **Delivery.** A device that subscribed to its C2D topic is `deviceReady`; up to
///   `inFlightPerDeviceMax` messages are pushed to it, oldest first, each locked under a new
///   lock token with its delivery count raised. An HTTP device takes one at a time (`receive`).
/// - **Settling.** Completion (MQTT PUBACK, HTTP DELETE) removes the message with `Success`
///   feedback; rejection (HTTP only) dead-letters it with `Rejected`. Abandon and an expired
///   lock (`lockTimeoutMillis`, 60 s) make it available again in its place; once it has been
///   delivered `deliveryCountMax` (10) times it is dead-lettered with `DeliveryCountExceeded`.
///   A message whose time to live runs out leaves with `Expired`. Feedback is recorded only
///   for the outcomes the message's `iothub-ack` asks for.
/// - **Reconnects.** When a device's connection ends (`deviceGone`), the messages pushed to
///   it go back to the queue at once, keeping their delivery count. The connection's
///   acknowledgements can never arrive any more (a PUBACK names a packet of the old
///   connection), so holding the lock would only delay redelivery after the SDK's reconnect
///   by up to a minute; the device SDK drops nothing, so a message it had taken but not yet
///   acknowledged comes again (at-least-once, as IoT Hub).
///
/// The queues are sharded: a device's queue lives in the `CloudToDeviceShard` its id hashes
/// to, an actor on one event loop in a node (`ShardPlacement`), so devices on different shards
/// never contend. Every change is written through the `CloudToDeviceStore` in the order its
/// shard made it (`CloudToDeviceStoreWriter`). Locks are not stored: after a restart every
/// message is available again.
public final class CloudToDeviceQueues: Sendable {
    public let limits: CloudToDeviceLimits
    /// The feedback queue back ends read (REST now, AMQP later).
    public let feedback: CloudToDeviceFeedbackQueue
    let registry: IdentityRegistry
    let clock: any HubClock
    let random: any HubRandom
    let writer: CloudToDeviceStoreWriter
    private let shards: [CloudToDeviceShard]
    /// The last sequence number given to a message (hub-wide; the store's key).
    private let sequenceNumbers: CloudToDeviceSequenceNumbers

    /// Queues over `store`, starting from `snapshot` (what `store.loadCloudToDevice()`
    /// returned), one shard per home of `placement`. Messages of devices that no longer exist
    /// are dropped; the others get their expiry timers. `scheduler` must never run an action
    /// inside `schedule`.
    public init(registry: IdentityRegistry, store: any CloudToDeviceStore, loaded snapshot: CloudToDeviceSnapshot,
                clock: any HubClock, scheduler: any HubScheduler, random: any HubRandom,
                placement: any ShardPlacement = UnpinnedShards(), limits: CloudToDeviceLimits = CloudToDeviceLimits()) {
        self.registry = registry
        self.clock = clock
        self.random = random
        self.limits = limits
        let writer = CloudToDeviceStoreWriter(store: store)
        self.writer = writer
        let feedback = CloudToDeviceFeedbackQueue(loaded: snapshot.feedback, writer: writer, limits: limits, scheduler: scheduler,
                                                  newLockToken: { CloudToDeviceRules.uuid(random.bytes(16)) })
        self.feedback = feedback
        let sequenceNumbers = CloudToDeviceSequenceNumbers(last: snapshot.messages.map(\.sequenceNumber).max() ?? 0)
        self.sequenceNumbers = sequenceNumbers
        var orphans: [CloudToDeviceChange] = []
        var loaded = Array(repeating: [QueuedCloudToDeviceMessage](), count: placement.homeCount)
        for message in snapshot.messages {
            guard registry.generationID(of: IdentityKey(deviceID: message.deviceID)) == message.deviceGenerationID else {
                orphans.append(.remove(sequenceNumber: message.sequenceNumber))
                continue
            }
            loaded[ShardHash.index(of: message.deviceID, shardCount: placement.homeCount)].append(message)
        }
        shards = loaded.indices.map { home in
            let rules = CloudToDeviceRules(limits: limits, scheduler: scheduler, random: random, feedback: feedback,
                                           inbox: placement.makeInbox(home: home, of: CloudToDeviceShard.Event.self))
            return CloudToDeviceShard(rules: rules, registry: registry, clock: clock, writer: writer,
                                      sequenceNumbers: sequenceNumbers, home: ShardExecutor(placement, home: home), loaded: loaded[home])
        }
        writer.post(orphans)
        store.observeOtherWriters { [weak self] changes in self?.otherWriterApplied(changes) }
    }

    /// Loads `store` and starts the queues over it.
    public static func open(registry: IdentityRegistry, store: any CloudToDeviceStore, clock: any HubClock,
                            scheduler: any HubScheduler, random: any HubRandom, placement: any ShardPlacement = UnpinnedShards(),
                            limits: CloudToDeviceLimits = CloudToDeviceLimits()) async throws -> CloudToDeviceQueues {
        try limits.validate()
        return CloudToDeviceQueues(registry: registry, store: store, loaded: try await store.loadCloudToDevice(),
                                   clock: clock, scheduler: scheduler, random: random, placement: placement, limits: limits)
    }

    /// The shard that holds the queue of `deviceID`.
    private func shard(_ deviceID: String) -> CloudToDeviceShard {
        shards[ShardHash.index(of: deviceID, shardCount: shards.count)]
    }

    // MARK: Back end

    /// How a send learns its outcome: the receipt once the message is stored, or the error.
    /// Runs on the shard's loop (or inline, for a send refused before it reached the shard);
    /// it must only hand the outcome on.
    public typealias SendAnswer = @Sendable (Result<CloudToDeviceSendReceipt, HubError>) -> Void

    /// Queues `message` for device `key` (see `CloudToDeviceOutgoing` for the property rules);
    /// `answer` gets the message as stored, or 404001 for an unknown device, 403004 when its
    /// queue holds `queueDepthMax` messages, 413001 for a body over 64 KB, 400004 for bad
    /// properties or a module key (modules have no C2D, contract §1.11). The message is
    /// stored before the answer: an accepted send is durable. Never waits and starts no task,
    /// so a protocol head can send from its loop (`CloudToDeviceShard+Send.swift`).
    public func send(to key: IdentityKey, message: DeviceMessage, ttlSeconds: Int? = nil, answer: @escaping SendAnswer) {
        do throws(HubError) {
            guard key.moduleID == nil else { throw .argumentInvalid("Modules do not receive cloud-to-device messages.") }
            // The generation id alone: a copy of the whole identity was 2 % of an AMQP C2D send.
            guard let generationID = registry.generationID(of: key) else { throw .deviceNotFound(deviceID: key.deviceID) }
            let now = clock.now()
            let prepared = try CloudToDeviceOutgoing.prepare(message, deviceID: key.deviceID, now: now, ttlSeconds: ttlSeconds,
                                                             limits: limits, newMessageID: { CloudToDeviceRules.uuid(random.bytes(16)) })
            post(.send(CloudToDeviceSend(deviceID: key.deviceID, deviceGenerationID: generationID, enqueuedTime: now,
                                         prepared: prepared, answer: answer)), key)
        } catch {
            answer(.failure(error))
        }
    }

    /// `send(to:message:ttlSeconds:answer:)` for a caller that waits: returns once stored.
    public func sendCounted(to key: IdentityKey, message: DeviceMessage, ttlSeconds: Int? = nil) async throws(HubError)
        -> CloudToDeviceSendReceipt {
        let result = await withCheckedContinuation { continuation in
            send(to: key, message: message, ttlSeconds: ttlSeconds) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// `sendCounted` without the count: the message as stored.
    @discardableResult
    public func send(to key: IdentityKey, message: DeviceMessage, ttlSeconds: Int? = nil) async throws(HubError) -> QueuedCloudToDeviceMessage {
        try await sendCounted(to: key, message: message, ttlSeconds: ttlSeconds).queued
    }

    /// Removes every message queued for the device, delivered or not, without feedback, and
    /// returns how many. Throws 404001 for an unknown device.
    public func purge(_ key: IdentityKey) async throws(HubError) -> Int {
        guard registry.device(key.deviceID) != nil else { throw .deviceNotFound(deviceID: key.deviceID) }
        return try await shard(key.deviceID).purge(key.deviceID)
    }

    /// Messages queued for the identity, delivered or not (`cloudToDeviceMessageCount`).
    public func pendingCount(_ key: IdentityKey) async -> Int {
        guard key.moduleID == nil, let generationID = registry.generationID(of: key) else { return 0 }
        return await shard(key.deviceID).pendingCount(key.deviceID, generationID: generationID)
    }

    /// Returns once every device event sent so far has been handled and every change made so
    /// far is stored (and its feedback offered): before a node closes its store, and in tests.
    public func flush() async throws(HubError) {
        await waitForPostedEvents()
        try await writer.write([])
    }

    /// Returns once every device event and timer posted to the shards so far has been handled
    /// (its deliveries handed out, its changes posted to the store writer).
    public func waitForPostedEvents() async {
        for shard in shards {
            await withCheckedContinuation { shard.rules.inbox.send(.barrier($0)) }
        }
    }

    /// Messages queued now and their outcomes since start, summed over the shards (one actor
    /// hop each: what a metrics scrape reads, never per message).
    public func statistics() async -> CloudToDeviceStatistics {
        var total = CloudToDeviceStatistics()
        for shard in shards { total.add(await shard.statistics) }
        return total
    }

    /// Store batches that failed since start; each failure also failed the calls waiting on it.
    public var failedStoreWriteCount: Int { writer.failedBatchCount }

    // MARK: HTTPS device API (contract §2)

    /// The oldest available message, locked for this receive; nil when there is none.
    public func receive(_ key: IdentityKey) async -> LockedCloudToDeviceMessage? {
        await shard(key.deviceID).receive(key.deviceID)
    }

    /// Completes a received message (`Success` feedback); 412002 when the lock is not held.
    public func complete(_ key: IdentityKey, lockToken: String) async throws(HubError) {
        try await shard(key.deviceID).settle(key.deviceID, lockToken: lockToken, .success)
    }

    /// Rejects a received message: dead-lettered with `Rejected` feedback.
    public func reject(_ key: IdentityKey, lockToken: String) async throws(HubError) {
        try await shard(key.deviceID).settle(key.deviceID, lockToken: lockToken, .rejected)
    }

    /// Abandons a received message: available again in its place (unless dead-lettered now).
    public func abandon(_ key: IdentityKey, lockToken: String) async throws(HubError) {
        try await shard(key.deviceID).abandon(key.deviceID, lockToken: lockToken)
    }

    // MARK: The device side (through `Hub`): posted to the shard's inbox, never waited for

    public func deviceReady(_ key: IdentityKey) {
        guard key.moduleID == nil, let connection = registry.connections.connection(of: key) else { return }
        post(.ready(deviceID: key.deviceID, connection: connection), key)
    }

    public func deviceCompleted(_ key: IdentityKey, lockToken: String) {
        post(.completed(deviceID: key.deviceID, lockToken: lockToken), key)
    }

    /// The device's connection ended; what was pushed to it goes back to the queue.
    public func deviceGone(_ key: IdentityKey) {
        guard key.moduleID == nil else { return }
        post(.gone(key), key)
    }

    public func deviceNotReady(_ key: IdentityKey, lockToken: String) {
        post(.notReady(deviceID: key.deviceID, lockToken: lockToken), key)
    }

    private func post(_ event: CloudToDeviceShard.Event, _ key: IdentityKey) {
        shard(key.deviceID).rules.inbox.send(event)
    }

    // MARK: Other writers of a shared store

    /// Another node stored `changes`: its messages join (or leave) the queues here, so a
    /// device connected to this node gets what was sent through the other, and its feedback
    /// is offered here too. Sequence numbers it used are never given out here.
    private func otherWriterApplied(_ changes: [CloudToDeviceStoreChange]) {
        for change in changes {
            switch change {
            case .enqueued(let message):
                sequenceNumbers.observe(message.sequenceNumber)
                shard(message.deviceID).rules.inbox.send(.otherWriter(change))
            case .deliveryCountSet(let deviceID, _, _), .removed(let deviceID, _):
                shard(deviceID).rules.inbox.send(.otherWriter(change))
            case .feedbackAppended(let record):
                feedback.adopt(record)
            case .feedbackRemoved(let sequenceNumber):
                feedback.forget(sequenceNumber)
            }
        }
    }
}

/// A message locked for a delivery attempt.
public struct LockedCloudToDeviceMessage: Sendable, Equatable {
    /// Names the attempt in complete, reject and abandon (HTTP `ETag`).
    public var lockToken: String
    /// The message as queued; `deliveryCount` includes this attempt.
    public var queued: QueuedCloudToDeviceMessage

    /// The message as the device gets it (`iothub-ack` included).
    public var message: DeviceMessage { queued.deliverable }
}
