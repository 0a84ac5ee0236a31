import NaveModel
import Synchronization

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
/// State lives in memory behind one lock; every change is written through the
/// `CloudToDeviceStore` in the order it was made (`CloudToDeviceStoreWriter`). Locks are not
/// stored: after a restart every message is available again.
public final class CloudToDeviceQueues: Sendable {
    public let limits: CloudToDeviceLimits
    /// The feedback queue back ends read (REST now, AMQP later).
    public let feedback: CloudToDeviceFeedbackQueue
    let registry: IdentityRegistry
    let clock: any HubClock
    let scheduler: any HubScheduler
    let random: any HubRandom
    let writer: CloudToDeviceStoreWriter
    let state = Mutex(State())
    /// The last sequence number given to a message (hub-wide; the store's key).
    private let sequenceCounter: Atomic<Int64>

    /// Queues over `store`, starting from `snapshot` (what `store.loadCloudToDevice()`
    /// returned). Messages of devices that no longer exist are dropped; the others get their
    /// expiry timers. `scheduler` must never run an action inside `schedule`.
    public init(registry: IdentityRegistry, store: any CloudToDeviceStore, loaded snapshot: CloudToDeviceSnapshot,
                clock: any HubClock, scheduler: any HubScheduler, random: any HubRandom,
                limits: CloudToDeviceLimits = CloudToDeviceLimits()) {
        self.registry = registry
        self.clock = clock
        self.scheduler = scheduler
        self.random = random
        self.limits = limits
        writer = CloudToDeviceStoreWriter(store: store)
        feedback = CloudToDeviceFeedbackQueue(loaded: snapshot.feedback, writer: writer, limits: limits, scheduler: scheduler,
                                              newLockToken: { Self.uuid(random.bytes(16)) })
        sequenceCounter = Atomic(snapshot.messages.map(\.sequenceNumber).max() ?? 0)
        let now = clock.now()
        var orphans: [CloudToDeviceChange] = []
        state.withLock { state in
            for message in snapshot.messages {
                guard registry.device(message.deviceID)?.generationID == message.deviceGenerationID else {
                    orphans.append(.remove(sequenceNumber: message.sequenceNumber))
                    continue
                }
                insert(message, into: &state.devices[message.deviceID, default: DeviceQueue()], now: now)
            }
        }
        writer.post(orphans)
    }

    /// Loads `store` and starts the queues over it.
    public static func open(registry: IdentityRegistry, store: any CloudToDeviceStore, clock: any HubClock,
                            scheduler: any HubScheduler, random: any HubRandom,
                            limits: CloudToDeviceLimits = CloudToDeviceLimits()) async throws -> CloudToDeviceQueues {
        try limits.validate()
        return CloudToDeviceQueues(registry: registry, store: store, loaded: try await store.loadCloudToDevice(),
                                   clock: clock, scheduler: scheduler, random: random, limits: limits)
    }

    // MARK: Back end

    /// Queues `message` for device `key` (see `CloudToDeviceOutgoing` for the property rules)
    /// and returns it as stored. Throws 404001 for an unknown device, 403004 when its queue
    /// holds `queueDepthMax` messages, 413001 for a body over 64 KB, 400004 for bad
    /// properties or a module key (modules have no C2D, contract §1.11).
    @discardableResult
    public func send(to key: IdentityKey, message: DeviceMessage, ttlSeconds: Int? = nil) async throws(HubError) -> QueuedCloudToDeviceMessage {
        guard key.moduleID == nil else { throw .argumentInvalid("Modules do not receive cloud-to-device messages.") }
        guard let device = registry.device(key.deviceID) else { throw .deviceNotFound(deviceID: key.deviceID) }
        let now = clock.now()
        let prepared = try CloudToDeviceOutgoing.prepare(message, deviceID: key.deviceID, now: now, ttlSeconds: ttlSeconds,
                                                         limits: limits, newMessageID: { Self.uuid(random.bytes(16)) })
        let sequenceNumber = try update(key.deviceID) { queue, outcome, context throws(HubError) in
            dropStale(&queue, &outcome, context)
            guard queue.depth < limits.queueDepthMax else {
                throw .deviceMaximumQueueDepthExceeded(deviceID: key.deviceID, queueDepthMax: limits.queueDepthMax)
            }
            queue.sendsInProgress += 1
            return sequenceCounter.add(1, ordering: .relaxed).newValue
        }
        let queued = QueuedCloudToDeviceMessage(sequenceNumber: sequenceNumber, deviceID: key.deviceID,
                                                deviceGenerationID: device.generationID, enqueuedTime: now,
                                                expiryTime: prepared.expiryTime, ack: prepared.ack, message: prepared.message)
        do {
            try await writer.write([.enqueue(queued)])
        } catch {
            update(key.deviceID) { queue, _, _ in queue.sendsInProgress -= 1 }
            throw error
        }
        update(key.deviceID) { queue, outcome, context in
            queue.sendsInProgress -= 1
            insert(queued, into: &queue, now: context.now)
            pump(&queue, &outcome, context)
        }
        return queued
    }

    /// Removes every message queued for the device, delivered or not, without feedback, and
    /// returns how many. Throws 404001 for an unknown device.
    public func purge(_ key: IdentityKey) async throws(HubError) -> Int {
        guard registry.device(key.deviceID) != nil else { throw .deviceNotFound(deviceID: key.deviceID) }
        return try await updateDurably(key.deviceID) { queue, outcome, context in
            let count = queue.entries.count
            while !queue.entries.isEmpty { settle(&queue, at: 0, nil, &outcome, context) }
            return count
        }
    }

    /// Messages queued for the identity, delivered or not (`cloudToDeviceMessageCount`).
    public func pendingCount(_ key: IdentityKey) -> Int {
        guard key.moduleID == nil, let generationID = registry.device(key.deviceID)?.generationID else { return 0 }
        return state.withLock { state in
            state.devices[key.deviceID]?.entries.count { $0.message.deviceGenerationID == generationID } ?? 0
        }
    }

    /// Returns once every change made so far is stored (and its feedback offered): before a
    /// node closes its store, and in tests.
    public func flush() async throws(HubError) {
        try await writer.write([])
    }

    /// Store batches that failed since start; each failure also failed the calls waiting on it.
    public var failedStoreWriteCount: Int { writer.failedBatchCount }

    // MARK: HTTPS device API (contract §2)

    /// The oldest available message, locked for this receive; nil when there is none.
    public func receive(_ key: IdentityKey) -> LockedCloudToDeviceMessage? {
        update(key.deviceID) { queue, outcome, context in
            guard let index = nextAvailable(&queue, &outcome, context) else { return nil }
            return lock(&queue, at: index, for: nil, &outcome)
        }
    }

    /// Completes a received message (`Success` feedback); 412002 when the lock is not held.
    public func complete(_ key: IdentityKey, lockToken: String) async throws(HubError) {
        try await settleLocked(key, lockToken: lockToken, .success)
    }

    /// Rejects a received message: dead-lettered with `Rejected` feedback.
    public func reject(_ key: IdentityKey, lockToken: String) async throws(HubError) {
        try await settleLocked(key, lockToken: lockToken, .rejected)
    }

    /// Abandons a received message: available again in its place (unless dead-lettered now).
    public func abandon(_ key: IdentityKey, lockToken: String) async throws(HubError) {
        try await updateDurably(key.deviceID) { queue, outcome, context throws(HubError) in
            guard let index = queue.index(ofLock: lockToken) else { throw .deviceMessageLockLost() }
            release(&queue, at: index, counted: true, &outcome, context)
            pump(&queue, &outcome, context)
        }
    }

    private func settleLocked(_ key: IdentityKey, lockToken: String, _ status: FeedbackStatusCode) async throws(HubError) {
        try await updateDurably(key.deviceID) { queue, outcome, context throws(HubError) in
            guard let index = queue.index(ofLock: lockToken) else { throw .deviceMessageLockLost() }
            settle(&queue, at: index, status, &outcome, context)
            pump(&queue, &outcome, context)
        }
    }

    // MARK: The device side (through `Hub`)

    public func deviceReady(_ key: IdentityKey) {
        guard key.moduleID == nil, let connection = registry.connections.connection(of: key) else { return }
        update(key.deviceID) { queue, outcome, context in
            queue.ready = connection
            pump(&queue, &outcome, context)
        }
    }

    public func deviceCompleted(_ key: IdentityKey, lockToken: String) {
        update(key.deviceID) { queue, outcome, context in
            guard let index = queue.index(ofLock: lockToken) else { return }
            settle(&queue, at: index, .success, &outcome, context)
            pump(&queue, &outcome, context)
        }
    }

    public func deviceGone(_ key: IdentityKey) {
        guard key.moduleID == nil else { return }
        // The ended connection is already unregistered: anything pushed to another one than
        // the newest live connection can no longer be acknowledged.
        let current = registry.connections.connection(of: key)
        update(key.deviceID) { queue, outcome, context in
            if let ready = queue.ready, ready !== current { queue.ready = nil }
            var index = queue.entries.count - 1
            while index >= 0 {
                if let connection = queue.entries[index].lock?.connection, connection !== current {
                    release(&queue, at: index, counted: true, &outcome, context)
                }
                index -= 1
            }
            pump(&queue, &outcome, context)
        }
    }

    public func deviceNotReady(_ key: IdentityKey, lockToken: String) {
        update(key.deviceID) { queue, outcome, context in
            guard let index = queue.index(ofLock: lockToken), let connection = queue.entries[index].lock?.connection else { return }
            if queue.ready === connection { queue.ready = nil }
            release(&queue, at: index, counted: false, &outcome, context)
            pump(&queue, &outcome, context)
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
