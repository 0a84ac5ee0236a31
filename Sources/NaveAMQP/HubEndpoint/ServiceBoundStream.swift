import NaveCore
import NaveIO
import NaveModel

/// A queue the hub hands to back ends on a sending link, one locked message at a time: C2D
/// feedback batches on `/messages/serviceBound/feedback` (contract §5.4) and file-upload
/// notifications on `/messages/serviceBound/filenotifications` (reference §5.2). Both settle
/// the same way: accepted (or rejected) completes, released or modified abandons.
protocol ServiceBoundQueue: Sendable {
    /// The next message under a new lock, or nil when the queue has none available.
    func nextMessage() -> (lockToken: String, message: AMQPMessage)?
    /// The client accepted (or rejected) the message.
    func settleCompleted(_ lockToken: String) async
    /// The client released or modified it: it comes back for another delivery.
    func settleAbandoned(_ lockToken: String)
}

extension CloudToDeviceFeedbackQueue: ServiceBoundQueue {
    /// A batch as one message: its records as a JSON array, `iothub-enqueuedtime` of the first.
    func nextMessage() -> (lockToken: String, message: AMQPMessage)? {
        guard let batch = receive() else { return nil }
        return (batch.lockToken, .serviceBound(lockToken: batch.lockToken, contentType: FeedbackRecord.batchContentType,
                                              enqueuedTime: batch.enqueuedTime, body: .array(batch.records.map(\.json))))
    }

    func settleCompleted(_ lockToken: String) async { try? await complete(lockToken: lockToken) }
    func settleAbandoned(_ lockToken: String) { try? abandon(lockToken: lockToken) }
}

extension FileNotificationQueue: ServiceBoundQueue {
    /// One notification per message, IoT Hub's JSON body and content type (reference §5.2).
    func nextMessage() -> (lockToken: String, message: AMQPMessage)? {
        guard let delivery = receive() else { return nil }
        return (delivery.lockToken, .serviceBound(lockToken: delivery.lockToken, contentType: FileNotification.contentType,
                                                  enqueuedTime: delivery.notification.enqueuedTime, body: delivery.notification.json))
    }

    func settleCompleted(_ lockToken: String) async { try? await complete(lockToken: lockToken) }
    /// The raised delivery count is written with the queue's next stored change.
    func settleAbandoned(_ lockToken: String) { try? abandon(lockToken: lockToken) }
}

extension AMQPMessage {
    /// A service-bound message: the lock token as message-id, the content type,
    /// `iothub-enqueuedtime`, and the JSON body as one data section.
    static func serviceBound(lockToken: String, contentType: String, enqueuedTime: Timestamp, body: JSONValue) -> AMQPMessage {
        var message = AMQPMessage()
        message.messageID = .string(lockToken)
        message.contentType = contentType
        message.applicationProperties = .map([(.string("iothub-enqueuedtime"), .timestamp(enqueuedTime.millisecondsSinceEpoch))])
        message.body = .binary(body.serialized())
        return message
    }
}

/// One service-bound link as the endpoint keeps it: its queue, the messages sent and not yet
/// settled by the client, by delivery, and the timer that looks for new messages while the
/// queue is empty. Confined to its connection's actor.
final class ServiceBoundStream {
    let linkID: UInt64
    let queue: any ServiceBoundQueue
    /// Delivery → the message's lock token.
    var lockTokens: [OpaquePointer: String] = [:]
    var pollTimer: TimerID?

    init(linkID: UInt64, queue: any ServiceBoundQueue) {
        self.linkID = linkID
        self.queue = queue
    }

    /// The link is gone; messages it held come back when their locks expire.
    func stop() {
        lockTokens.removeAll()
    }
}
