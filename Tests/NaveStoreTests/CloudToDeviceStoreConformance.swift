import NaveCore
import NaveModel
@testable import NaveStore
import Testing

typealias CloudToDeviceStoreFactory = PortFactory<any CloudToDeviceStore>

extension PortFactory where Store == any CloudToDeviceStore {
    static var all: [CloudToDeviceStoreFactory] { [.inMemory { InMemoryCloudToDeviceStore() }, .sqlite { SQLiteCloudToDeviceStore(database: $0) }] }
}

/// Queued messages and feedback records that exercise every field.
enum CloudToDeviceSample {
    static func message(_ sequenceNumber: Int64, device: String = "dev1", body: [UInt8] = Array("hi".utf8),
                        ack: CloudToDeviceAck = .none, system: [MessageProperty]? = nil,
                        application: [MessageProperty] = []) -> QueuedCloudToDeviceMessage {
        QueuedCloudToDeviceMessage(
            sequenceNumber: sequenceNumber, deviceID: device, deviceGenerationID: "gen-\(device)",
            enqueuedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + sequenceNumber),
            expiryTime: Timestamp(millisecondsSinceEpoch: 1_700_003_600_000), ack: ack,
            message: DeviceMessage(body: body, systemProperties: system ?? [MessageProperty("$.mid", "m\(sequenceNumber)"),
                                                                             MessageProperty("$.to", "/devices/\(device)/messages/deviceBound")],
                                   applicationProperties: application))
    }

    static let messages: [Named<QueuedCloudToDeviceMessage>] = [
        Named(name: "plain", value: message(1)),
        Named(name: "every field", value: {
            var full = message(2, body: Array(#"{"cmd":"on"}"#.utf8), ack: .full,
                               system: [MessageProperty("$.mid", "c2d-1"), MessageProperty("$.to", "/devices/dev1/messages/deviceBound"),
                                        MessageProperty("$.cid", "corr 9/&="), MessageProperty("$.uid", "user"),
                                        MessageProperty("$.ct", "application/json"), MessageProperty("$.ce", "utf-8"),
                                        MessageProperty("$.exp", "2030-01-02T03:04:05Z")],
                               application: [MessageProperty("color", "dark red"), MessageProperty("flag", nil),
                                             MessageProperty("ünï ĉødé", "日本 🔒"), MessageProperty("nul", "a\u{0}b"),
                                             MessageProperty("empty", "")])
            full.deliveryCount = 7
            full.expiryTime = Timestamp(millisecondsSinceEpoch: .max)
            full.enqueuedTime = .never
            return full
        }()),
        Named(name: "binary body with NUL", value: message(3, body: [0, 1, 2, 0xFF, 0, 0x80], ack: .negative)),
        Named(name: "empty body", value: message(4, body: [], ack: .positive)),
        Named(name: "64 KB body", value: message(5, body: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31) })),
    ]

    static func feedback(_ sequenceNumber: Int64, _ status: FeedbackStatusCode = .success) -> FeedbackRecord {
        FeedbackRecord(sequenceNumber: sequenceNumber, originalMessageID: "m\(sequenceNumber)", deviceID: "dev1",
                       deviceGenerationID: "638000000000000001", statusCode: status,
                       enqueuedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_123))
    }
}

/// What every `CloudToDeviceStore` must do: `CloudToDeviceQueues` trusts these behaviours
/// whichever store a node runs on.
@Suite("CloudToDeviceStore conformance")
struct CloudToDeviceStoreConformance {
    @Test("a new store loads empty", arguments: CloudToDeviceStoreFactory.all)
    func emptyLoad(factory: CloudToDeviceStoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadCloudToDevice() == CloudToDeviceSnapshot())
            try await store.apply([])
            #expect(try await store.loadCloudToDevice() == CloudToDeviceSnapshot())
        }
    }

    @Test("a message keeps every field", arguments: CloudToDeviceStoreFactory.all, CloudToDeviceSample.messages)
    func messageRoundTrip(factory: CloudToDeviceStoreFactory, message: Named<QueuedCloudToDeviceMessage>) async throws {
        try await factory.withStore { store in
            try await store.apply([.enqueue(message.value)])
            #expect(try await store.loadCloudToDevice().messages == [message.value])
        }
    }

    @Test("delivery counts update, removals remove, and missing rows are no error", arguments: CloudToDeviceStoreFactory.all)
    func updatesAndRemovals(factory: CloudToDeviceStoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply((1...3).map { .enqueue(CloudToDeviceSample.message($0)) })
            try await store.apply([.setDeliveryCount(sequenceNumber: 2, deliveryCount: 4), .remove(sequenceNumber: 1),
                                   .remove(sequenceNumber: 99), .setDeliveryCount(sequenceNumber: 98, deliveryCount: 1)])
            let loaded = try await store.loadCloudToDevice().messages
            #expect(loaded.map(\.sequenceNumber) == [2, 3])
            #expect(loaded.map(\.deliveryCount) == [4, 0])
        }
    }

    @Test("feedback records round trip in sequence order and are removed one by one", arguments: CloudToDeviceStoreFactory.all)
    func feedback(factory: CloudToDeviceStoreFactory) async throws {
        try await factory.withStore { store in
            let records = FeedbackStatusCode.allCases.enumerated().map { CloudToDeviceSample.feedback(Int64(10 - $0.offset), $0.element) }
            try await store.apply(records.map { .appendFeedback($0) })
            #expect(try await store.loadCloudToDevice().feedback == records.sorted { $0.sequenceNumber < $1.sequenceNumber })
            try await store.apply([.removeFeedback(sequenceNumber: 10), .removeFeedback(sequenceNumber: 77)])
            #expect(try await store.loadCloudToDevice().feedback.map(\.sequenceNumber) == [6, 7, 8, 9])
        }
    }

    @Test("messages load in sequence order, whatever the order of writes", arguments: CloudToDeviceStoreFactory.all)
    func loadOrder(factory: CloudToDeviceStoreFactory) async throws {
        try await factory.withStore { store in
            let numbers: [Int64] = [5, 1, 9, 3, 1_000_000_000_000, 2]
            for number in numbers { try await store.apply([.enqueue(CloudToDeviceSample.message(number, device: "d\(number % 2)"))]) }
            #expect(try await store.loadCloudToDevice().messages.map(\.sequenceNumber) == numbers.sorted())
        }
    }

    @Test("a batch with a duplicate sequence number stores nothing of it", arguments: CloudToDeviceStoreFactory.all)
    func batchAtomicity(factory: CloudToDeviceStoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([.enqueue(CloudToDeviceSample.message(1)), .appendFeedback(CloudToDeviceSample.feedback(1))])
            let before = try await store.loadCloudToDevice()
            await #expect(throws: CloudToDeviceStoreError.duplicateSequenceNumber(1)) {
                try await store.apply([.enqueue(CloudToDeviceSample.message(2)), .setDeliveryCount(sequenceNumber: 1, deliveryCount: 3),
                                       .appendFeedback(CloudToDeviceSample.feedback(2)), .enqueue(CloudToDeviceSample.message(1))])
            }
            await #expect(throws: CloudToDeviceStoreError.duplicateSequenceNumber(1)) {
                try await store.apply([.remove(sequenceNumber: 1), .appendFeedback(CloudToDeviceSample.feedback(1))])
            }
            #expect(try await store.loadCloudToDevice() == before)
            // A removal earlier in the batch frees the number.
            try await store.apply([.remove(sequenceNumber: 1), .enqueue(CloudToDeviceSample.message(1, body: [9]))])
            #expect(try await store.loadCloudToDevice().messages.map(\.message.body) == [[9]])
        }
    }
}
