import NaveModel
import Synchronization

/// A send on its way through its device's shard: checked against the queue's depth, stored,
/// then queued and answered, all through the shard's inbox. No task and no actor hop per send:
/// an AMQP connection or an HTTP request hands it over with one inbox message, the store
/// writer's batch answers with one more, and the answer runs on the shard's loop.
struct CloudToDeviceSend: Sendable {
    var deviceID: String
    /// The device's generation when the send was checked (a message belongs to it).
    var deviceGenerationID: String
    var enqueuedTime: Timestamp
    var prepared: CloudToDeviceOutgoing.Prepared
    var answer: CloudToDeviceQueues.SendAnswer
}

/// What an accepted send returns: the message as stored, and the device's queue depth right
/// after it joined (the REST answer's `cloudToDeviceMessageCount`, contract §4.2).
public struct CloudToDeviceSendReceipt: Sendable, Equatable {
    public var queued: QueuedCloudToDeviceMessage
    /// Messages of the device's generation queued, delivered or not, this one included.
    public var cloudToDeviceMessageCount: Int
}

/// The hub-wide sequence numbers of C2D messages (the store's key). Shared by the shards, each
/// taking one only once a send is allowed, so a refused send uses none.
final class CloudToDeviceSequenceNumbers: Sendable {
    private let last: Atomic<Int64>

    init(last: Int64) { self.last = Atomic(last) }

    func next() -> Int64 { last.add(1, ordering: .relaxed).newValue }

    /// Another writer used `sequenceNumber`: it is never given out here.
    func observe(_ sequenceNumber: Int64) { last.max(sequenceNumber, ordering: .relaxed) }
}

extension CloudToDeviceShard {
    /// Step one of a send: the depth check (50, then 403004) and a place reserved in the queue,
    /// then the message is posted to the store writer. Its batch's answer comes back through
    /// the inbox as `.stored` (`finishSend`): a send becomes available only once it is durable.
    func startSend(_ send: CloudToDeviceSend) {
        let queued: QueuedCloudToDeviceMessage
        do throws(HubError) {
            queued = try update(send.deviceID) { queue, outcome, context throws(HubError) in
                rules.dropStale(&queue, &outcome, context)
                guard queue.depth < rules.limits.queueDepthMax else {
                    throw .deviceMaximumQueueDepthExceeded(deviceID: send.deviceID, queueDepthMax: rules.limits.queueDepthMax)
                }
                queue.sendsInProgress += 1
                return QueuedCloudToDeviceMessage(sequenceNumber: sequenceNumbers.next(), deviceID: send.deviceID,
                                                  deviceGenerationID: send.deviceGenerationID, enqueuedTime: send.enqueuedTime,
                                                  expiryTime: send.prepared.expiryTime, ack: send.prepared.ack,
                                                  message: send.prepared.message)
            }
        } catch {
            return send.answer(.failure(error))
        }
        let inbox = rules.inbox
        writer.post([.enqueue(queued)]) { failure in inbox.send(.stored(send, queued, failure)) }
    }

    /// Step two: the store answered. A stored message joins the queue (and goes to the ready
    /// connection, if any); either way the reservation ends and the sender learns the outcome.
    func finishSend(_ send: CloudToDeviceSend, _ queued: QueuedCloudToDeviceMessage, failure: HubError?) {
        let count = update(send.deviceID) { queue, outcome, context in
            queue.sendsInProgress -= 1
            guard failure == nil else { return 0 }
            statistics.sent += 1
            rules.insert(queued, into: &queue, now: context.now)
            rules.pump(&queue, &outcome, context)
            return queue.entries.count { $0.message.deviceGenerationID == queued.deviceGenerationID }
        }
        if let failure { return send.answer(.failure(failure)) }
        send.answer(.success(CloudToDeviceSendReceipt(queued: queued, cloudToDeviceMessageCount: count)))
    }
}

extension CloudToDeviceSendReceipt {
    /// The answer to Nave's REST send and `nave c2d send`: device, message id, expiry and the
    /// queue's depth (C2D queues are per device, so there is no module).
    public var json: JSONValue {
        .object(JSONObject([
            ("deviceId", .string(queued.deviceID)), ("messageId", .string(queued.messageID)),
            ("expiryTimeUtc", .string(queued.expiryTime.iso8601)),
            ("cloudToDeviceMessageCount", .integer(Int64(cloudToDeviceMessageCount))),
        ]))
    }
}
