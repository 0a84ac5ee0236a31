import NaveCore
import NaveModel
@testable import NaveStore
import Synchronization
import NaveTestSupport
import Testing

/// What only the SQLite C2D store has: queues that outlive the process, beside the registry in
/// the same file.
@Suite("SQLite cloud-to-device store")
struct SQLiteCloudToDeviceStoreTests {
    @Test("queues and feedback survive closing and reopening the file")
    func survivesReopen() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nave.sqlite"
            let first = try await SQLiteDatabase(path: path)
            let written = CloudToDeviceSample.messages.map(\.value)
            try await SQLiteCloudToDeviceStore(database: first).apply(
                written.map { .enqueue($0) } + [.appendFeedback(CloudToDeviceSample.feedback(3, .expired))])
            try first.close()

            let second = try await SQLiteDatabase(path: path)
            defer { try? second.close() }
            let read = try await SQLiteCloudToDeviceStore(database: second).loadCloudToDevice()
            #expect(read.messages == written)
            #expect(read.feedback == [CloudToDeviceSample.feedback(3, .expired)])
        }
    }

    @Test("a message sent through the queues is delivered after the node restarts on the same file")
    func queuesAcrossRestart() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nave.sqlite"
            let clock = ManualClock()
            let firstDatabase = try await SQLiteDatabase(path: path)
            let registry = try await IdentityRegistry(store: SQLiteIdentityStore(database: firstDatabase), clock: clock, random: SeededHubRandom())
            _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
            let queues = try await CloudToDeviceQueues.open(registry: registry, store: SQLiteCloudToDeviceStore(database: firstDatabase),
                                                            clock: clock, scheduler: ManualScheduler(), random: SeededHubRandom())
            let sent = try await queues.send(to: IdentityKey(deviceID: "dev1"),
                                             message: DeviceMessage(body: Array("after restart".utf8),
                                                                    applicationProperties: [MessageProperty("iothub-ack", "full"),
                                                                                            MessageProperty("k", "v")]))
            try await queues.flush()
            try firstDatabase.close()

            let database = try await SQLiteDatabase(path: path)
            defer { try? database.close() }
            let reloaded = try await IdentityRegistry(store: SQLiteIdentityStore(database: database), clock: clock, random: SeededHubRandom())
            let again = try await CloudToDeviceQueues.open(registry: reloaded, store: SQLiteCloudToDeviceStore(database: database),
                                                           clock: clock, scheduler: ManualScheduler(), random: SeededHubRandom())
            let received = try #require(await again.receive(IdentityKey(deviceID: "dev1")))
            #expect(received.queued.message == sent.message && received.queued.ack == .full)
            #expect(received.message.systemProperty("iothub-ack") == "full")
            try await again.complete(IdentityKey(deviceID: "dev1"), lockToken: received.lockToken)
            #expect(try await SQLiteCloudToDeviceStore(database: database).loadCloudToDevice().messages.isEmpty)
            #expect(try await SQLiteCloudToDeviceStore(database: database).loadCloudToDevice().feedback.map(\.statusCode) == [.success])
        }
    }

    @Test("a closed database fails with a storage error")
    func closedDatabase() async throws {
        try await withScratchDirectory { scratch in
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite")
            let store = SQLiteCloudToDeviceStore(database: database)
            try database.close()
            await #expect(throws: CloudToDeviceStoreError.self) { try await store.apply([.enqueue(CloudToDeviceSample.message(1))]) }
            await #expect(throws: CloudToDeviceStoreError.self) { try await store.loadCloudToDevice() }
        }
    }
}

