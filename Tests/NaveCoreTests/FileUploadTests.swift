import NaveCore
import NaveModel
import NaveTestSupport
import Testing

/// File upload's rules over an in-memory notification store and a blob store fake: the
/// 10-upload limit, SAS expiry freeing a slot, notifications, and the queue's lock, complete,
/// abandon, delivery limit and TTL.
@Suite struct FileUploadTests {
    let clock = ManualClock()
    let scheduler = ManualScheduler()
    let random = SeededHubRandom()

    func queue(_ settings: FileUploadSettings = FileUploadSettings(), store: any FileNotificationStore = InMemoryFileNotificationStore())
        -> FileNotificationQueue {
        FileNotificationQueue(store: store, loaded: [], settings: settings, clock: clock, scheduler: scheduler, random: random)
    }

    func uploads(_ queue: FileNotificationQueue?, blobs: MemoryBlobStore = MemoryBlobStore()) -> FileUploads {
        let service = BlobService(store: blobs, signer: BlobSASSigner(key: Array(repeating: 1, count: 32)),
                                  quotas: BlobQuotas(), uploadContainer: "nave-uploads", clock: clock)
        return FileUploads(blobs: service, settings: FileUploadSettings(), notifications: queue, hostName: "localhost",
                           clock: clock, random: random)
    }

    @Test func eleventhOutstandingUploadIsRefusedUntilOneIsNotifiedOrExpires() async throws {
        let uploads = uploads(nil)
        let grants = try (0..<10).map { try uploads.begin(deviceID: "d1", requestedName: "f\($0)") }
        #expect(grants[0].blobName == "d1/f0" && grants[0].sasToken.hasPrefix("?sv=") && grants[0].sasToken.contains("sr=b"))
        #expect(throws: HubError.deviceMaximumActiveFileUploadLimitExceeded(deviceID: "d1", uploadsMax: 10)) {
            try uploads.begin(deviceID: "d1", requestedName: "f10")
        }
        // Another device has its own ten.
        _ = try uploads.begin(deviceID: "d2", requestedName: "f0")
        try await uploads.notify(deviceID: "d1", correlationID: grants[0].correlationID, isSuccess: false)
        _ = try uploads.begin(deviceID: "d1", requestedName: "f10")
        #expect(throws: HubError.self) { try uploads.begin(deviceID: "d1", requestedName: "f11") }
        clock.advance(seconds: 3_600)
        #expect(uploads.outstandingCount(deviceID: "d1") == 0)
        _ = try uploads.begin(deviceID: "d1", requestedName: "f11")
    }

    @Test func notifyNeedsAnOutstandingCorrelationIDOfThatDevice() async throws {
        let uploads = uploads(nil)
        let grant = try uploads.begin(deviceID: "d1", requestedName: "a.txt")
        await #expect(throws: HubError.self) { try await uploads.notify(deviceID: "d2", correlationID: grant.correlationID, isSuccess: true) }
        try await uploads.notify(deviceID: "d1", correlationID: grant.correlationID, isSuccess: true)
        await #expect(throws: HubError.self) { try await uploads.notify(deviceID: "d1", correlationID: grant.correlationID, isSuccess: true) }
        #expect(throws: HubError.self) { try uploads.begin(deviceID: "d1", requestedName: "../x") }
    }

    @Test func successfulUploadQueuesANotificationWithTheBlobsSizeAndTime() async throws {
        let queue = queue()
        let blobs = MemoryBlobStore()
        let uploads = uploads(queue, blobs: blobs)
        let grant = try uploads.begin(deviceID: "d1", requestedName: "a.txt")
        blobs.put(try BlobAddress(container: "nave-uploads", name: "d1/a.txt"), byteCount: 11, at: clock.now())
        try await uploads.notify(deviceID: "d1", correlationID: grant.correlationID, isSuccess: true)
        let delivery = try #require(queue.receive())
        #expect(delivery.notification.blobName == "d1/a.txt")
        #expect(delivery.notification.blobSizeInBytes == 11)
        #expect(delivery.notification.blobURI == "https://localhost/nave-uploads/d1/a.txt")
        #expect(delivery.notification.json["enqueuedTimeUtc"]?.stringValue == clock.now().iso8601)
    }

    @Test func queueLocksCompletesAndAbandons() async throws {
        let store = InMemoryFileNotificationStore()
        let queue = queue(store: store)
        try await queue.enqueue(deviceID: "d1", blobURI: "u1", blobName: "d1/a", lastUpdatedTime: clock.now(), blobSizeInBytes: 1)
        try await queue.enqueue(deviceID: "d1", blobURI: "u2", blobName: "d1/b", lastUpdatedTime: clock.now(), blobSizeInBytes: 2)
        let first = try #require(queue.receive())
        let second = try #require(queue.receive())
        #expect([first.notification.blobName, second.notification.blobName] == ["d1/a", "d1/b"])
        #expect(queue.receive() == nil)
        try queue.abandon(lockToken: first.lockToken)
        #expect(throws: HubError.self) { try queue.abandon(lockToken: first.lockToken) }
        try await queue.complete(lockToken: second.lockToken)
        await #expect(throws: HubError.self) { try await queue.complete(lockToken: second.lockToken) }
        let again = try #require(queue.receive())
        #expect(again.notification.blobName == "d1/a" && again.notification.deliveryCount == 1)
        // The count and the removal reached the store.
        let stored = try await store.loadFileNotifications()
        #expect(stored.map(\.blobName) == ["d1/a"] && stored[0].deliveryCount == 1)
    }

    @Test func expiredLocksReturnAndTheDeliveryLimitDrops() async throws {
        var settings = FileUploadSettings()
        settings.notificationDeliveryCountMax = 2
        let queue = queue(settings)
        try await queue.enqueue(deviceID: "d1", blobURI: "u", blobName: "d1/a", lastUpdatedTime: clock.now(), blobSizeInBytes: 1)
        _ = try #require(queue.receive())
        scheduler.advance(millis: 60_000)
        let second = try #require(queue.receive())
        #expect(second.notification.deliveryCount == 1)
        try queue.abandon(lockToken: second.lockToken)
        #expect(queue.receive() == nil)
        #expect(queue.count == 0)
    }

    @Test func notificationsExpireAfterTheirTTL() async throws {
        let queue = queue()
        try await queue.enqueue(deviceID: "d1", blobURI: "u", blobName: "d1/a", lastUpdatedTime: clock.now(), blobSizeInBytes: 1)
        clock.advance(seconds: 3_599)
        #expect(queue.receive() != nil)
        clock.advance(seconds: 1)
        scheduler.advance(millis: 60_000)
        #expect(queue.receive() == nil)
        #expect(queue.count == 0)
    }

    @Test func quotasCountWritesInFlight() throws {
        var quotas = BlobQuotas()
        quotas.blobBytesMax = 1 << 20
        quotas.deviceBytesMax = 2 << 20
        quotas.totalBytesMax = 3 << 20
        let blobs = MemoryBlobStore()
        let service = BlobService(store: blobs, signer: BlobSASSigner(key: Array(repeating: 1, count: 32)), quotas: quotas,
                                  uploadContainer: "nave-uploads", clock: clock)
        let a = try BlobAddress(container: "nave-uploads", name: "d1/a")
        #expect(throws: BlobError.requestBodyTooLarge(bytesMax: 1 << 20)) { try service.reserve((1 << 20) + 1, for: a) }
        let first = try service.reserve(1 << 20, for: a)
        let second = try service.reserve(1 << 20, for: a)
        #expect(throws: BlobError.quotaExceeded("device", bytesMax: 2 << 20)) { try service.reserve(1, for: a) }
        // Another device, and another container, count only towards the total.
        let other = try service.reserve(1 << 20, for: try BlobAddress(container: "exports", name: "x"))
        #expect(throws: BlobError.quotaExceeded("store", bytesMax: 3 << 20)) {
            try service.reserve(1, for: try BlobAddress(container: "nave-uploads", name: "d2/a"))
        }
        first.release()
        first.release()
        _ = try service.reserve(1 << 20, for: a)
        _ = (second, other)
    }
}

/// A blob store holding only properties (the rules above need no bytes).
final class MemoryBlobStore: BlobStore {
    private let blobs = Mutex<[BlobAddress: BlobProperties]>([:])

    func put(_ address: BlobAddress, byteCount: Int64, at time: Timestamp) {
        blobs.withLock { $0[address] = BlobProperties(address: address, byteCount: byteCount, etag: "e", lastModified: time,
                                                      contentType: "application/octet-stream") }
    }

    func properties(of address: BlobAddress) throws(BlobError) -> BlobProperties? { blobs.withLock { $0[address] } }
    func openForReading(_ address: BlobAddress) throws(BlobError) -> any BlobReader { throw .blobNotFound() }
    func writeBlob(_ address: BlobAddress, contentType: String) throws(BlobError) -> any BlobWriter { throw .internalError("no") }
    func stageBlock(_ address: BlobAddress, blockID: BlockID) throws(BlobError) -> any BlobWriter { throw .internalError("no") }
    func commitBlockList(_ address: BlobAddress, _ list: BlobBlockList, condition: BlobWriteCondition, contentType: String,
                         blobBytesMax: Int64) throws(BlobError) -> BlobProperties { throw .internalError("no") }
    func list(container: String, prefix: String) throws(BlobError) -> [BlobProperties] { [] }
    func delete(_ address: BlobAddress) throws(BlobError) { _ = blobs.withLock { $0.removeValue(forKey: address) } }
    func usage() -> BlobUsage {
        blobs.withLock { blobs in
            var usage = BlobUsage()
            for (address, properties) in blobs { usage.add(properties.byteCount, for: address) }
            return usage
        }
    }
}

import Synchronization
