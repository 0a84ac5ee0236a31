@testable import NaveCore
import NaveModel
import Testing

/// What the store writer leaves out of a batch: only delivery counts a later removal in the
/// same transaction overwrites.
@Suite("Cloud-to-device store writer")
struct CloudToDeviceStoreWriterTests {
    static func message(_ sequenceNumber: Int64) -> QueuedCloudToDeviceMessage {
        QueuedCloudToDeviceMessage(sequenceNumber: sequenceNumber, deviceID: "dev1", deviceGenerationID: "g",
                                   enqueuedTime: Timestamp(millisecondsSinceEpoch: 0),
                                   expiryTime: Timestamp(millisecondsSinceEpoch: 1_000), ack: .none, message: DeviceMessage(body: []))
    }

    @Test("a delivery count followed by the message's removal in one batch is dropped; others stay, in order")
    func dropsOverwrittenCounts() {
        let changes: [CloudToDeviceChange] = [
            .setDeliveryCount(sequenceNumber: 1, deliveryCount: 1), .setDeliveryCount(sequenceNumber: 2, deliveryCount: 1),
            .remove(sequenceNumber: 1), .setDeliveryCount(sequenceNumber: 1, deliveryCount: 2), .removeFeedback(sequenceNumber: 1),
        ]
        #expect(CloudToDeviceStoreWriter.withoutOverwritten(changes) == [
            .setDeliveryCount(sequenceNumber: 2, deliveryCount: 1), .remove(sequenceNumber: 1),
            .setDeliveryCount(sequenceNumber: 1, deliveryCount: 2), .removeFeedback(sequenceNumber: 1),
        ])
    }

    @Test("a count before a re-enqueue of the number is not the removed message's: it stays")
    func enqueueEndsTheRemoval() {
        let changes: [CloudToDeviceChange] = [
            .setDeliveryCount(sequenceNumber: 7, deliveryCount: 3), .enqueue(Self.message(7)), .remove(sequenceNumber: 7),
        ]
        #expect(CloudToDeviceStoreWriter.withoutOverwritten(changes) == changes)
    }
}
