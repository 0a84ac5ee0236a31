import NaveModel
import Synchronization

/// Hands routed messages to something outside the hub (a web service, a directory, the MQTT
/// broker): the one part that differs between external endpoint kinds. Everything else —
/// reading the endpoint's durable log in order, retrying, dead-lettering, checkpointing — is
/// `EndpointDelivery`'s.
public protocol EndpointDeliverer: Sendable {
    /// Delivers one message of the endpoint log's `partition`; returns nil when it was taken,
    /// or why not (it is tried again).
    func deliver(_ record: EventRecord, partition: Int) async -> String?
    /// Everything delivered so far must now be complete where it went (a storage endpoint
    /// closes its file): called before each checkpoint, and after each read that found nothing
    /// (so time windows close while no message comes). Returns why not, when it could not: the
    /// checkpoint then waits and the messages since the last one are delivered again.
    func settle(idle: Bool) async -> String?
}

extension EndpointDeliverer {
    public func settle(idle: Bool) async -> String? { nil }
}

/// How an endpoint retries (issue #15: "retries with exponential back-off … a dead-letter log
/// after N attempts").
public struct EndpointDeliverySettings: Sendable, Equatable {
    /// Attempts per message before it goes to the dead-letter log.
    public var attemptsMax: Int
    /// The wait after the first failure, doubled after each further one up to `backoffMaxMillis`.
    public var backoffInitialMillis: Int64
    public var backoffMaxMillis: Int64
    /// Messages read from the log at once.
    public var batchMessagesMax: Int
    /// How long one read waits for new messages before it asks again.
    public var pollMillis: Int

    public init(attemptsMax: Int = 10, backoffInitialMillis: Int64 = 100, backoffMaxMillis: Int64 = 10_000,
                batchMessagesMax: Int = 100, pollMillis: Int = 1_000) {
        self.attemptsMax = attemptsMax
        self.backoffInitialMillis = backoffInitialMillis
        self.backoffMaxMillis = backoffMaxMillis
        self.batchMessagesMax = batchMessagesMax
        self.pollMillis = pollMillis
    }

    /// The largest `attemptsMax` an endpoint may set.
    public static let attemptsMaxLimit = 1_000

    /// The wait before attempt `attempt` (2 or later) of a message.
    func backoffMillis(beforeAttempt attempt: Int) -> Int64 {
        let doublings = min(attempt - 2, 30)
        return min(backoffMaxMillis, backoffInitialMillis << Int64(doublings))
    }
}

/// Feeds one external endpoint from its durable log (issue #15): a cursor per partition,
/// checkpointed durably after each delivered batch and resumed from after a restart, so
/// delivery is at least once and in log order (per device, since a device's messages share a
/// partition); duplicates only within the batch in flight at a crash. A message that fails
/// `attemptsMax` times goes to the dead-letter sink and the cursor moves on.
///
/// Runs as one task per endpoint: a failing or slow endpoint waits only for itself; devices
/// were acknowledged when the message reached the log.
public final class EndpointDelivery: Sendable {
    public let endpoint: String
    private let reader: EventReader
    private let checkpoints: any CheckpointStore
    private let deliverer: any EndpointDeliverer
    private let deadLetters: any TelemetrySink
    private let settings: EndpointDeliverySettings
    private let scheduler: any HubScheduler
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let counters = Mutex(Counters())
    /// The next sequence number to deliver per partition (the checkpointed cursor), set at
    /// start and after each delivered batch; empty until the delivery has started.
    private let cursor = Mutex<[Int: Int64]>([:])

    /// What the delivery did since start (tests, statistics).
    public struct Counters: Sendable, Equatable {
        public var delivered = 0
        public var failedAttempts = 0
        public var deadLettered = 0

        public init(delivered: Int = 0, failedAttempts: Int = 0, deadLettered: Int = 0) {
            self.delivered = delivered
            self.failedAttempts = failedAttempts
            self.deadLettered = deadLettered
        }
    }

    /// The checkpoint key of endpoint `name` in the checkpoint store (no consumer group can be
    /// named so: `:` is not allowed in their names).
    public static func checkpointKey(_ name: String) -> String { "routing:" + name }

    public init(endpoint: String, source: any EventSource, checkpoints: any CheckpointStore, deliverer: any EndpointDeliverer,
                deadLetters: any TelemetrySink, settings: EndpointDeliverySettings, scheduler: any HubScheduler) {
        self.endpoint = endpoint
        reader = EventReader(source: source, checkpoints: nil, scheduler: scheduler)
        self.checkpoints = checkpoints
        self.deliverer = deliverer
        self.deadLetters = deadLetters
        self.settings = settings
        self.scheduler = scheduler
    }

    public var counts: Counters { counters.withLock { $0 } }

    /// Records in the endpoint's log not delivered yet: per partition the last sequence number
    /// + 1 − the cursor, summed (issue #16's `nave_routing_endpoint_backlog`). Records of the
    /// batch in flight count until it is checkpointed; before the delivery has read its
    /// checkpoint, every retained record counts.
    public var backlog: Int {
        let cursor = cursor.withLock { $0 }
        var total: Int64 = 0
        for partition in 0..<reader.source.partitionCount {
            guard let info = try? reader.source.partitionInfo(partition) else { continue }
            let next = cursor[partition] ?? info.beginSequenceNumber
            total += max(0, info.lastSequenceNumber + 1 - next)
        }
        return Int(total)
    }

    /// Starts delivering from the stored checkpoint (the log's start for a new endpoint).
    public func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { await self.run() }
        }
    }

    /// Stops after the message in hand; what was delivered since the last checkpoint is
    /// delivered again after a restart.
    public func stop() async {
        let running = task.withLock { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }

    private func run() async {
        var positions = await startPositions()
        retain(positions)
        while !Task.isCancelled {
            let request = EventReadRequest(positions: positions, maxCount: settings.batchMessagesMax, waitMillis: settings.pollMillis)
            guard let batch = try? await reader.read(request) else {
                await scheduler.sleep(millis: settings.backoffMaxMillis)
                continue
            }
            for (partition, record) in batch.events {
                guard await deliver(record, partition: partition) else { return }
            }
            if await deliverer.settle(idle: batch.events.isEmpty) != nil {
                // Not complete where it went: read the batch again after a pause.
                counters.withLock { $0.failedAttempts += 1 }
                await scheduler.sleep(millis: settings.backoffMaxMillis)
                continue
            }
            if !batch.events.isEmpty {
                try? await checkpoints.save(batch.positions, for: Self.checkpointKey(endpoint))
                retain(batch.positions)
            }
            positions = batch.positions
        }
    }

    /// Delivers `record` with retries, or dead-letters it; false when cancelled first.
    private func deliver(_ record: EventRecord, partition: Int) async -> Bool {
        var attempt = 1
        while true {
            guard let reason = await deliverer.deliver(record, partition: partition) else {
                counters.withLock { $0.delivered += 1 }
                return true
            }
            counters.withLock { $0.failedAttempts += 1 }
            if attempt >= settings.attemptsMax {
                await deadLetter(record, reason: reason, attempts: attempt)
                return true
            }
            attempt += 1
            await scheduler.sleep(millis: settings.backoffMillis(beforeAttempt: attempt))
            if Task.isCancelled { return false }
        }
    }

    /// Keeps `record` in the dead-letter log, with why and after how many attempts as
    /// application properties; if even that fails the record stays lost to the endpoint only.
    private func deadLetter(_ record: EventRecord, reason: String, attempts: Int) async {
        var application = record.applicationProperties.map { MessageProperty($0.key, $0.value) }
        application += [MessageProperty("deadLetterReason", reason), MessageProperty("deliveryAttempts", String(attempts)),
                        MessageProperty("originalEnqueuedTimeUtc", record.enqueuedTime.iso8601)]
        let system = record.systemProperties.compactMap { property -> MessageProperty? in
            let key = Self.bagKeys[property.key]
            return key.map { MessageProperty($0, property.value) }
        }
        let event = TelemetryEvent(deviceID: record.deviceID, moduleID: record.moduleID,
                                   message: DeviceMessage(body: record.body, systemProperties: system, applicationProperties: application))
        if (try? await deadLetters.append(event)) != nil { counters.withLock { $0.deadLettered += 1 } }
    }

    /// Event names back to the bag keys a `TelemetryEvent` carries (what the dead-letter log keeps).
    private static let bagKeys = [
        EventSystemProperty.messageID: "$.mid", EventSystemProperty.correlationID: "$.cid", EventSystemProperty.userID: "$.uid",
        EventSystemProperty.contentType: "$.ct", EventSystemProperty.contentEncoding: "$.ce",
    ]

    /// What is not delivered yet stays in the endpoint's log past its retention time: a stalled
    /// endpoint loses nothing while it is down (only the log's byte cap can).
    private func retain(_ positions: [Int: Int64]) {
        cursor.withLock { $0 = positions }
        for (partition, next) in positions { reader.source.retainRecords(partition: partition, from: next) }
    }

    private func startPositions() async -> [Int: Int64] {
        let stored = (try? await checkpoints.checkpoints(of: Self.checkpointKey(endpoint))) ?? [:]
        var positions: [Int: Int64] = [:]
        for partition in 0..<reader.source.partitionCount {
            positions[partition] = stored[partition] ?? (try? reader.firstSequenceNumber(partition: partition, from: .earliest)) ?? 0
        }
        return positions
    }
}
