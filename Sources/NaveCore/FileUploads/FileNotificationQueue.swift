import NaveEncoding
import NaveModel
import Synchronization

/// The back end's file-upload notification queue (reference §5.2): C2D feedback's semantics
/// with one notification per receive. A receive locks the oldest available notification under
/// a new lock token for `notificationLockSeconds`; complete removes it, abandon (or the lock's
/// expiry) puts it back with its delivery count raised; after `notificationDeliveryCountMax`
/// deliveries, or once `notificationTTLSeconds` have passed since it was enqueued, it is
/// dropped. Every change is written through the store before it is answered.
public final class FileNotificationQueue: Sendable {
    /// A received notification and the token that settles it.
    public struct Delivery: Sendable, Equatable {
        public var lockToken: String
        public var notification: FileNotification
    }

    private struct State {
        var notifications: [FileNotification] = []
        /// Lock token → sequence number, and the number's lock.
        var locks: [String: (sequenceNumber: Int64, timer: ScheduledAction)] = [:]
        var locked: Set<Int64> = []
        var nextSequenceNumber: Int64 = 1
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
        let dropped = state.withLock { state -> [Int64] in
            state.notifications.append(notification)
            var dropped: [Int64] = []
            while state.notifications.count > settings.notificationsMax,
                  let oldest = state.notifications.firstIndex(where: { !state.locked.contains($0.sequenceNumber) }) {
                dropped.append(state.notifications.remove(at: oldest).sequenceNumber)
            }
            return dropped
        }
        for number in dropped { try? await write { try await $0.removeFileNotification(sequenceNumber: number) } }
    }

    /// The oldest available notification, locked; nil when there is none. Expired ones met on
    /// the way are dropped.
    public func receive() async -> Delivery? {
        let token = Hex.encode(random.bytes(16))
        let now = clock.now()
        let (delivery, expired) = state.withLock { state -> (Delivery?, [Int64]) in
            let ttlMillis = Int64(settings.notificationTTLSeconds) * 1_000
            var expired: [Int64] = []
            state.notifications.removeAll { notification in
                let gone = !state.locked.contains(notification.sequenceNumber)
                    && now.millisecondsSinceEpoch - notification.enqueuedTime.millisecondsSinceEpoch >= ttlMillis
                if gone { expired.append(notification.sequenceNumber) }
                return gone
            }
            guard let notification = state.notifications.first(where: { !state.locked.contains($0.sequenceNumber) }) else {
                return (nil, expired)
            }
            let number = notification.sequenceNumber
            state.locked.insert(number)
            let timer = scheduler.schedule(afterMillis: Int64(settings.notificationLockSeconds) * 1_000) { [weak self] in
                guard let self else { return }
                Task { await self.release(token) }
            }
            state.locks[token] = (number, timer)
            return (Delivery(lockToken: token, notification: notification), expired)
        }
        for number in expired { try? await write { try await $0.removeFileNotification(sequenceNumber: number) } }
        return delivery
    }

    /// Removes the locked notification; 412 (lock lost) for an unknown or expired token.
    public func complete(lockToken: String) async throws(HubError) {
        let number = try state.withLock { (state: inout State) throws(HubError) -> Int64 in
            guard let lock = state.locks.removeValue(forKey: lockToken) else { throw .deviceMessageLockLost() }
            _ = lock.timer.cancel()
            state.locked.remove(lock.sequenceNumber)
            state.notifications.removeAll { $0.sequenceNumber == lock.sequenceNumber }
            return lock.sequenceNumber
        }
        try await write { try await $0.removeFileNotification(sequenceNumber: number) }
    }

    /// Puts the notification back with its delivery count raised.
    public func abandon(lockToken: String) async throws(HubError) {
        guard await release(lockToken) else { throw .deviceMessageLockLost() }
    }

    /// Unlocks, counts the delivery, and drops the notification at the delivery limit.
    @discardableResult
    private func release(_ token: String) async -> Bool {
        let outcome = state.withLock { state -> (number: Int64, count: Int, drop: Bool)? in
            guard let lock = state.locks.removeValue(forKey: token) else { return nil }
            _ = lock.timer.cancel()
            state.locked.remove(lock.sequenceNumber)
            guard let index = state.notifications.firstIndex(where: { $0.sequenceNumber == lock.sequenceNumber }) else { return nil }
            state.notifications[index].deliveryCount += 1
            let count = state.notifications[index].deliveryCount
            let drop = count >= settings.notificationDeliveryCountMax
            if drop { state.notifications.remove(at: index) }
            return (lock.sequenceNumber, count, drop)
        }
        guard let outcome else { return false }
        if outcome.drop {
            try? await write { try await $0.removeFileNotification(sequenceNumber: outcome.number) }
        } else {
            try? await write { try await $0.updateFileNotificationDeliveryCount(sequenceNumber: outcome.number, deliveryCount: outcome.count) }
        }
        return true
    }

    private func write(_ body: (any FileNotificationStore) async throws -> Void) async throws(HubError) {
        do {
            try await body(store)
        } catch let error as StoreFailure where error.isFull {
            throw .storageFull("file notifications")
        } catch {
            throw .serverError("The file notification could not be stored.")
        }
    }
}
