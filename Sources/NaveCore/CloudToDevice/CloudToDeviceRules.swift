import NaveEncoding
import NaveModel

/// The C2D queue rules: transitions of one device's queue, written as straight-line functions
/// over an `inout DeviceQueue`. A shard (`CloudToDeviceShard`) runs them in its isolation and
/// carries out what they record in an `Outcome`: deliveries to hand to connections, changes
/// and feedback for the store. Timers they start post back into the shard's inbox.
///
/// A message is *available* (in the queue, unlocked) or *locked* (delivered, waiting for its
/// acknowledgement: by an MQTT connection, or by an HTTP receive). It leaves the queue by
/// completion (`Success`), rejection (`Rejected`), expiry (`Expired`), too many deliveries
/// (`DeliveryCountExceeded`), purge, or — silently — when its device no longer exists.
struct CloudToDeviceRules: Sendable {
    let limits: CloudToDeviceLimits
    let scheduler: any HubScheduler
    let random: any HubRandom
    let feedback: CloudToDeviceFeedbackQueue
    /// The inbox of the shard these rules run on: where lock and expiry timers report.
    let inbox: any ShardInbox<CloudToDeviceShard.Event>

    struct DeviceQueue {
        /// In sequence order: FIFO, and a released message goes back to its place.
        var entries: [Entry] = []
        /// Sends reserved a place and are being stored (they count toward the depth).
        var sendsInProgress = 0
        /// The connection that said it takes messages (`deviceReady`); nil when none does.
        var ready: (any LiveConnection)?

        var depth: Int { entries.count + sendsInProgress }
        var pushedCount: Int { entries.count { $0.lock?.connection != nil } }
        var isIdle: Bool { entries.isEmpty && sendsInProgress == 0 && ready == nil }

        func index(ofLock token: String) -> Int? { entries.firstIndex { $0.lock?.token == token } }

        func index(of sequenceNumber: Int64) -> Int? { entries.firstIndex { $0.message.sequenceNumber == sequenceNumber } }
    }

    struct Entry {
        var message: QueuedCloudToDeviceMessage
        var lock: Lock?
        var expiryTimer: ScheduledAction?
    }

    struct Lock {
        var token: String
        /// The MQTT connection it was pushed to; nil for an HTTP receive.
        var connection: (any LiveConnection)?
        var timer: ScheduledAction
    }

    /// What one transition leaves to do: deliveries to hand out, changes and feedback to post.
    struct Outcome {
        var deliveries: [(connection: any LiveConnection, delivery: CloudToDeviceDelivery)] = []
        var changes: [CloudToDeviceChange] = []
        var feedback: [FeedbackRecord] = []
        /// Messages that left the queue, by outcome (the shard adds them to its statistics).
        var settled = CloudToDeviceStatistics()
    }

    /// What a transition reads from outside the queue, taken as it starts.
    struct Context {
        var now: Timestamp
        /// The device's current generation; nil when it no longer exists.
        var generationID: String?
    }

    // MARK: Transitions

    /// Pushes available messages, oldest first, to the ready connection while the window has room.
    func pump(_ queue: inout DeviceQueue, _ outcome: inout Outcome, _ context: Context) {
        guard let connection = queue.ready else { return }
        while queue.pushedCount < limits.inFlightPerDeviceMax, let index = nextAvailable(&queue, &outcome, context) {
            let locked = lock(&queue, at: index, for: connection, &outcome)
            outcome.deliveries.append((connection, CloudToDeviceDelivery(lockToken: locked.lockToken, message: locked.message)))
        }
    }

    /// The first available message that may still be delivered; expired ones and those of a
    /// former device generation are taken out on the way.
    func nextAvailable(_ queue: inout DeviceQueue, _ outcome: inout Outcome, _ context: Context) -> Int? {
        var index = 0
        while index < queue.entries.count {
            let entry = queue.entries[index]
            if entry.lock != nil {
                index += 1
            } else if entry.message.deviceGenerationID != context.generationID {
                settle(&queue, at: index, nil, &outcome, context)
            } else if entry.message.expiryTime <= context.now {
                settle(&queue, at: index, .expired, &outcome, context)
            } else {
                return index
            }
        }
        return nil
    }

    /// Takes out, without feedback, the messages of a former generation of the device (it was
    /// deleted and created again): they do not count toward the new device's queue.
    func dropStale(_ queue: inout DeviceQueue, _ outcome: inout Outcome, _ context: Context) {
        var index = queue.entries.count - 1
        while index >= 0 {
            if queue.entries[index].message.deviceGenerationID != context.generationID { settle(&queue, at: index, nil, &outcome, context) }
            index -= 1
        }
    }

    /// Locks message `index` for a delivery attempt: the count goes up (and is stored), the
    /// lock expires after `lockTimeoutMillis`.
    func lock(_ queue: inout DeviceQueue, at index: Int, for connection: (any LiveConnection)?,
              _ outcome: inout Outcome) -> LockedCloudToDeviceMessage {
        let token = newLockToken()
        let deviceID = queue.entries[index].message.deviceID
        let timer = scheduler.schedule(afterMillis: limits.lockTimeoutMillis) { [inbox] in
            inbox.send(.lockExpired(deviceID: deviceID, lockToken: token))
        }
        queue.entries[index].lock = Lock(token: token, connection: connection, timer: timer)
        queue.entries[index].message.deliveryCount += 1
        let message = queue.entries[index].message
        outcome.changes.append(.setDeliveryCount(sequenceNumber: message.sequenceNumber, deliveryCount: message.deliveryCount))
        return LockedCloudToDeviceMessage(lockToken: token, queued: message)
    }

    /// Unlocks message `index`. `counted` false takes back the delivery count of an attempt
    /// that never reached the device. A message past its expiry or its delivery count leaves
    /// the queue with that feedback instead of becoming available.
    func release(_ queue: inout DeviceQueue, at index: Int, counted: Bool, _ outcome: inout Outcome, _ context: Context) {
        queue.entries[index].lock?.timer.cancel()
        queue.entries[index].lock = nil
        if !counted {
            queue.entries[index].message.deliveryCount -= 1
            let message = queue.entries[index].message
            outcome.changes.append(.setDeliveryCount(sequenceNumber: message.sequenceNumber, deliveryCount: message.deliveryCount))
        }
        let message = queue.entries[index].message
        if message.expiryTime <= context.now {
            settle(&queue, at: index, .expired, &outcome, context)
        } else if message.deliveryCount >= limits.deliveryCountMax {
            settle(&queue, at: index, .deliveryCountExceeded, &outcome, context)
        }
    }

    /// Takes message `index` out of the queue for good, with feedback for `status` when its
    /// sender asked for it (nil: purged or orphaned, no feedback).
    func settle(_ queue: inout DeviceQueue, at index: Int, _ status: FeedbackStatusCode?,
                _ outcome: inout Outcome, _ context: Context) {
        let entry = queue.entries.remove(at: index)
        entry.lock?.timer.cancel()
        entry.expiryTimer?.cancel()
        outcome.changes.append(.remove(sequenceNumber: entry.message.sequenceNumber))
        outcome.settled.settled(status)
        if let status, entry.message.ack.wantsFeedback(for: status) {
            let record = feedback.makeRecord(originalMessageID: entry.message.messageID, deviceID: entry.message.deviceID,
                                             deviceGenerationID: entry.message.deviceGenerationID, statusCode: status,
                                             at: context.now)
            outcome.changes.append(.appendFeedback(record))
            outcome.feedback.append(record)
        }
    }

    /// Takes message `index` out without a change or feedback: another writer removed it from
    /// the store (and recorded its feedback there).
    func forget(_ queue: inout DeviceQueue, at index: Int) {
        let entry = queue.entries.remove(at: index)
        entry.lock?.timer.cancel()
        entry.expiryTimer?.cancel()
    }

    /// Adds a stored message at its place in sequence order, with its expiry timer (unless
    /// `armingExpiry` is false: a shard loading its snapshot arms them once its inbox is bound).
    func insert(_ message: QueuedCloudToDeviceMessage, into queue: inout DeviceQueue, now: Timestamp, armingExpiry: Bool = true) {
        let index = queue.entries.lastIndex { $0.message.sequenceNumber < message.sequenceNumber }.map { $0 + 1 } ?? 0
        queue.entries.insert(Entry(message: message, lock: nil, expiryTimer: nil), at: index)
        if armingExpiry { armExpiry(of: &queue.entries[index], now: now) }
    }

    /// Starts the timer that takes the entry's message out when its time to live runs out.
    func armExpiry(of entry: inout Entry, now: Timestamp) {
        let deviceID = entry.message.deviceID
        let sequenceNumber = entry.message.sequenceNumber
        let delay = max(0, entry.message.expiryTime.millisecondsSinceEpoch - now.millisecondsSinceEpoch)
        entry.expiryTimer = scheduler.schedule(afterMillis: delay) { [inbox] in
            inbox.send(.messageExpired(deviceID: deviceID, sequenceNumber: sequenceNumber))
        }
    }

    func newLockToken() -> String { Self.uuid(random.bytes(16)) }

    /// A version-4 UUID's text from 16 random bytes: IoT Hub's lock tokens and message ids look so.
    /// Written straight into the string's storage (two per C2D delivery: it shows in profiles).
    static func uuid(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16, "a UUID is 16 bytes")
        return String(unsafeUninitializedCapacity: 36) { text in
            var at = 0
            for index in 0..<16 {
                var byte = bytes[index]
                if index == 6 { byte = byte & 0x0F | 0x40 }
                if index == 8 { byte = byte & 0x3F | 0x80 }
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[at] = UInt8(ascii: "-")
                    at += 1
                }
                text[at] = Hex.digit(byte >> 4, uppercase: false)
                text[at + 1] = Hex.digit(byte & 0x0F, uppercase: false)
                at += 2
            }
            return at
        }
    }
}
