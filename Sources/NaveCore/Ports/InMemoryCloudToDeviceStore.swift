import NaveModel
import Synchronization

/// A `CloudToDeviceStore` in memory: for tests and embedders without disk. A batch is checked
/// whole before any of it applies, as the SQLite store's rolled-back transaction behaves.
public final class InMemoryCloudToDeviceStore: CloudToDeviceStore {
    private struct Tables {
        var messages: [Int64: QueuedCloudToDeviceMessage] = [:]
        var feedback: [Int64: FeedbackRecord] = [:]
    }

    private let tables = Mutex(Tables())

    public init() {}

    public func loadCloudToDevice() async throws -> CloudToDeviceSnapshot {
        tables.withLock { tables in
            CloudToDeviceSnapshot(messages: tables.messages.values.sorted { $0.sequenceNumber < $1.sequenceNumber },
                                  feedback: tables.feedback.values.sorted { $0.sequenceNumber < $1.sequenceNumber })
        }
    }

    public func apply(_ changes: [CloudToDeviceChange]) async throws {
        try tables.withLock { tables in
            try Self.validate(changes, against: tables)
            for change in changes {
                switch change {
                case .enqueue(let message):
                    tables.messages[message.sequenceNumber] = message
                case .setDeliveryCount(let sequenceNumber, let deliveryCount):
                    tables.messages[sequenceNumber]?.deliveryCount = deliveryCount
                case .remove(let sequenceNumber):
                    tables.messages[sequenceNumber] = nil
                case .appendFeedback(let record):
                    tables.feedback[record.sequenceNumber] = record
                case .removeFeedback(let sequenceNumber):
                    tables.feedback[sequenceNumber] = nil
                }
            }
        }
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
