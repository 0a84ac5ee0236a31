import NaveEncoding
import NaveModel
import Synchronization

/// The back end's file-upload notification queue (reference §5.2): C2D feedback's semantics
/// with one notification per receive. A receive locks the oldest available notification under
/// a new lock token for `notificationLockSeconds`; complete removes it, abandon (or the lock's
/// expiry) puts it back with its delivery count raised; after `notificationDeliveryCountMax`
/// deliveries, or once `notificationTTLSeconds` have passed since it was enqueued, it is
/// dropped.
///
/// Enqueue and complete return once the store has the change. Receive, abandon and lock expiry
/// are synchronous (the AMQP link pumps from its loop, and a timer cannot wait): what they
/// change in the store (a count, an expiry) waits in `unwritten` and goes out with the next
/// enqueue, complete or `flush`. A crash before that loses only a delivery count or an expiry
/// that the next receive finds again (the enqueued time is stored).
public final class FileNotificationQueue: Sendable {
    /// A received notification and the token that settles it.
    public struct Delivery: Sendable, Equatable {
        public var lockToken: String
        public var notification: FileNotification
    }

    /// A store change waiting to be written.
    enum Change: Sendable, Equatable {
        case remove(Int64)
        case deliveryCount(Int64, Int)
    }

    private struct State {
        var notifications: [FileNotification] = []
        /// Lock token → the locked notification's number and its timer.
        var locks: [String: (sequenceNumber: Int64, timer: ScheduledAction)] = [:]
        var locked: Set<Int64> = []
        var nextSequenceNumber: Int64 = 1
        var unwritten: [Change] = []
        /// Notifications dropped because the queue was full, since start.
        var dropped = 0
    }

    private let state: Mutex<State>
    private let store: any FileNotificationStore
    private let settings: FileUploadSettings
    private let clock: any HubClock
    private let scheduler: any HubScheduler
    private let random: any HubRandom

    public init(store: any FileNotificationStore, loaded: [FileNotification], settings: FileUploadSettings,
                clock: any HubClock, scheduler: any HubScheduler, random: any HubRandom) {
        var initial = State()
        initial.notifications = loaded.sorted { $0.sequenceNumber < $1.sequenceNumber }
        initial.nextSequenceNumber = (initial.notifications.last?.sequenceNumber ?? 0) + 1
        state = Mutex(initial)
        self.store = store
        self.settings = settings
        self.clock = clock
        self.scheduler = scheduler
        self.random = random
    }

    /// Notifications waiting, locked or not.
    public var count: Int { state.withLock { $0.notifications.count } }

    /// Notifications dropped because the queue was full (`notificationsMax`), since start.
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Queues a notification; returns once it is stored.
    public func enqueue(deviceID: String, blobURI: String, blobName: String, lastUpdatedTime: Timestamp,
                        blobSizeInBytes: Int64) async throws(HubError) {
        let now = clock.now()
        let notification = state.withLock { state in
            defer { state.nextSequenceNumber += 1 }
            return FileNotification(sequenceNumber: state.nextSequenceNumber, deviceID: deviceID, blobURI: blobURI,
                                    blobName: blobName, lastUpdatedTime: lastUpdatedTime, blobSizeInBytes: blobSizeInBytes,
                                    enqueuedTime: now)
        }
        try await write { try await $0.appendFileNotification(notification) }
        state.withLock { state in
            state.notifications.append(notification)
            while state.notifications.count > settings.notificationsMax,
                  let oldest = state.notifications.firstIndex(where: { !state.locked.contains($0.sequenceNumber) }) {
                state.unwritten.append(.remove(state.notifications.remove(at: oldest).sequenceNumber))
                state.dropped += 1
            }
        }
        await flush()
    }

    /// The oldest available notification, locked; nil when there is none. Expired ones met on
    /// the way are dropped.
    public func receive() -> Delivery? {
        let token = Hex.encode(random.bytes(16))
        let now = clock.now().millisecondsSinceEpoch
        return state.withLock { state -> Delivery? in
            let ttlMillis = Int64(settings.notificationTTLSeconds) * 1_000
            var expired: [Int64] = []
            state.notifications.removeAll { notification in
                let gone = !state.locked.contains(notification.sequenceNumber)
                    && now - notification.enqueuedTime.millisecondsSinceEpoch >= ttlMillis
                if gone { expired.append(notification.sequenceNumber) }
                return gone
            }
            state.unwritten += expired.map { .remove($0) }
            guard let notification = state.notifications.first(where: { !state.locked.contains($0.sequenceNumber) }) else {
                return nil
            }
            state.locked.insert(notification.sequenceNumber)
            let timer = scheduler.schedule(afterMillis: Int64(settings.notificationLockSeconds) * 1_000) { [weak self] in
                self?.release(token)
            }
            state.locks[token] = (notification.sequenceNumber, timer)
            return Delivery(lockToken: token, notification: notification)
        }
    }

    /// Removes the locked notification; 412 (lock lost) for an unknown or expired token.
    public func complete(lockToken: String) async throws(HubError) {
        try state.withLock { (state: inout State) throws(HubError) in
            guard let lock = state.locks.removeValue(forKey: lockToken) else { throw .deviceMessageLockLost() }
            _ = lock.timer.cancel()
            state.locked.remove(lock.sequenceNumber)
            state.notifications.removeAll { $0.sequenceNumber == lock.sequenceNumber }
            state.unwritten.append(.remove(lock.sequenceNumber))
        }
        try await writeUnwritten()
    }

    /// Puts the notification back with its delivery count raised; 412 for an unknown token.
    public func abandon(lockToken: String) throws(HubError) {
        guard release(lockToken) else { throw .deviceMessageLockLost() }
    }

    /// Writes the changes receives, abandons and lock expiries left; failures stay queued.
    public func flush() async {
        try? await writeUnwritten()
    }

    /// Unlocks, counts the delivery, and drops the notification at the delivery limit.
    @discardableResult
    private func release(_ token: String) -> Bool {
        state.withLock { state in
            guard let lock = state.locks.removeValue(forKey: token) else { return false }
            _ = lock.timer.cancel()
            state.locked.remove(lock.sequenceNumber)
            guard let index = state.notifications.firstIndex(where: { $0.sequenceNumber == lock.sequenceNumber }) else { return true }
            state.notifications[index].deliveryCount += 1
            let count = state.notifications[index].deliveryCount
            if count >= settings.notificationDeliveryCountMax {
                state.notifications.remove(at: index)
                state.unwritten.append(.remove(lock.sequenceNumber))
            } else {
                state.unwritten.append(.deliveryCount(lock.sequenceNumber, count))
            }
            return true
        }
    }

    private func writeUnwritten() async throws(HubError) {
        let changes = state.withLock { state in
            defer { state.unwritten.removeAll() }
            return state.unwritten
        }
        for (index, change) in changes.enumerated() {
            do throws(HubError) {
                try await write { store in
                    switch change {
                    case .remove(let number): try await store.removeFileNotification(sequenceNumber: number)
                    case .deliveryCount(let number, let count):
                        try await store.updateFileNotificationDeliveryCount(sequenceNumber: number, deliveryCount: count)
                    }
                }
            } catch {
                let rest = Array(changes[index...])
                state.withLock { $0.unwritten.insert(contentsOf: rest, at: 0) }
                throw error
            }
        }
    }

    private func write(_ body: (any FileNotificationStore) async throws -> Void) async throws(HubError) {
        do {
            try await body(store)
        } catch let error as StoreFailure where error.isFull {
            throw .storageFull("file notifications")
        } catch {
            throw .serverError("The file notification store failed.")
        }
    }
}
