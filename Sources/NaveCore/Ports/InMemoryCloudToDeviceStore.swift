import NaveModel
import Synchronization

/// A `CloudToDeviceStore` in memory: for tests and embedders without disk. A batch is checked
/// whole before any of it applies, as the SQLite store's rolled-back transaction behaves.
/// `otherWriter()` gives another view of the same queues, as a second node sharing a database
/// would have: each view's observers hear of the other views' batches.
public final class InMemoryCloudToDeviceStore: CloudToDeviceStore {
    private struct Tables {
        var messages: [Int64: QueuedCloudToDeviceMessage] = [:]
        var feedback: [Int64: FeedbackRecord] = [:]
    }

    /// What all views of one store share.
    private final class Shared: Sendable {
        let tables = Mutex(Tables())
        /// Observers by the view that registered them.
        let observers = Mutex<[(view: ObjectIdentifier, observer: @Sendable ([CloudToDeviceStoreChange]) -> Void)]>([])
    }

    private let shared: Shared

    public init() { shared = Shared() }

    private init(sharing shared: Shared) { self.shared = shared }

    /// Another writer of the same queues.
    public func otherWriter() -> InMemoryCloudToDeviceStore { InMemoryCloudToDeviceStore(sharing: shared) }

    public func observeOtherWriters(_ observer: @escaping @Sendable ([CloudToDeviceStoreChange]) -> Void) {
        let me = ObjectIdentifier(self)
        shared.observers.withLock { $0.append((me, observer)) }
    }

    public func loadCloudToDevice() async throws -> CloudToDeviceSnapshot {
        shared.tables.withLock { tables in
            CloudToDeviceSnapshot(messages: tables.messages.values.sorted { $0.sequenceNumber < $1.sequenceNumber },
                                  feedback: tables.feedback.values.sorted { $0.sequenceNumber < $1.sequenceNumber })
        }
    }

    public func apply(_ changes: [CloudToDeviceChange]) async throws {
        let applied = try shared.tables.withLock { tables in
            try Self.validate(changes, against: tables)
            var applied: [CloudToDeviceStoreChange] = []
            for change in changes {
                switch change {
                case .enqueue(let message):
                    tables.messages[message.sequenceNumber] = message
                    applied.append(.enqueued(message))
                case .setDeliveryCount(let sequenceNumber, let deliveryCount):
                    guard let deviceID = tables.messages[sequenceNumber]?.deviceID else { continue }
                    tables.messages[sequenceNumber]?.deliveryCount = deliveryCount
                    applied.append(.deliveryCountSet(deviceID: deviceID, sequenceNumber: sequenceNumber, deliveryCount: deliveryCount))
                case .remove(let sequenceNumber):
                    guard let removed = tables.messages.removeValue(forKey: sequenceNumber) else { continue }
                    applied.append(.removed(deviceID: removed.deviceID, sequenceNumber: sequenceNumber))
                case .appendFeedback(let record):
                    tables.feedback[record.sequenceNumber] = record
                    applied.append(.feedbackAppended(record))
                case .removeFeedback(let sequenceNumber):
                    guard tables.feedback.removeValue(forKey: sequenceNumber) != nil else { continue }
                    applied.append(.feedbackRemoved(sequenceNumber: sequenceNumber))
                }
            }
            return applied
        }
        guard !applied.isEmpty else { return }
        let me = ObjectIdentifier(self)
        let others = shared.observers.withLock { $0.filter { $0.view != me }.map(\.observer) }
        for observer in others { observer(applied) }
    }

    /// Replays the batch's inserts and removals over the stored keys and throws at the first
    /// insert of a key that would exist.
    private static func validate(_ changes: [CloudToDeviceChange], against tables: Tables) throws(CloudToDeviceStoreError) {
        var messages = Set(tables.messages.keys)
        var feedback = Set(tables.feedback.keys)
        for change in changes {
            switch change {
            case .enqueue(let message):
                guard messages.insert(message.sequenceNumber).inserted else { throw .duplicateSequenceNumber(message.sequenceNumber) }
            case .remove(let sequenceNumber):
                messages.remove(sequenceNumber)
            case .appendFeedback(let record):
                guard feedback.insert(record.sequenceNumber).inserted else { throw .duplicateSequenceNumber(record.sequenceNumber) }
            case .removeFeedback(let sequenceNumber):
                feedback.remove(sequenceNumber)
            case .setDeliveryCount:
                break
            }
        }
    }
}
