import NaveCore
import NaveModel
import NaveTestSupport
import Testing
@testable import NaveStore

/// Issue #11: the SQLite stores on a filesystem that fills up. SQLite answers SQLITE_FULL and
/// rolls the transaction back; the store says `.full`, keeps every committed row, and takes
/// writes again once there is room, on the same open database.
@Suite("SQLite stores on a full disk", .serialized,
       .enabled(if: SmallFilesystem.isAvailable, "needs root to mount a tmpfs (mount(2) not permitted)"))
struct SQLiteDiskFullTests {
    @Test("SQLITE_FULL: the batch fails with .full, committed devices stay, writes resume once there is room")
    func identityStoreFull() async throws {
        let filesystem = try SmallFilesystem.mount(sizeBytes: 2 << 20).get()
        defer { filesystem.unmount() }
        let path = filesystem.path + "/nave.sqlite"
        var database = try await SQLiteDatabase(path: path)
        var store = SQLiteIdentityStore(database: database)
        let committed = (0..<20).map { Sample.device("old\($0)") }
        try await store.apply(committed.map { .putDevice($0) })
        try filesystem.fill()

        // Hundreds of rows: the WAL must grow by many pages, so the write needs new blocks.
        let refused = (0..<400).map { Sample.device("new\($0)") }
        for attempt in 0..<2 {
            let error = await #expect(throws: IdentityStoreError.self, "attempt \(attempt)") {
                try await store.apply(refused.map { .putDevice($0) })
            }
            guard case .full? = error else {
                Issue.record("expected .full, got \(String(describing: error))")
                break
            }
        }
        #expect(try await store.loadRegistry().devices.map(\.deviceID).sorted() == committed.map(\.deviceID).sorted())

        filesystem.makeRoom()
        try await store.apply(refused.map { .putDevice($0) })
        let all = (committed + refused).map(\.deviceID).sorted()
        #expect(try await store.loadRegistry().devices.map(\.deviceID).sorted() == all)
        try database.close()

        database = try await SQLiteDatabase(path: path)
        store = SQLiteIdentityStore(database: database)
        #expect(try await store.loadRegistry().devices.map(\.deviceID).sorted() == all)
        try database.close()
    }

    @Test("SQLITE_FULL: device sessions and checkpoints fail with .full, committed rows stay, writes resume")
    func sessionAndCheckpointStoresFull() async throws {
        let filesystem = try SmallFilesystem.mount(sizeBytes: 2 << 20).get()
        defer { filesystem.unmount() }
        let database = try await SQLiteDatabase(path: filesystem.path + "/nave.sqlite")
        let sessions = SQLiteDeviceSessionStore(database: database)
        let checkpoints = SQLiteCheckpointStore(database: database)
        try await sessions.save(clientID: "old", .methods)
        try await checkpoints.save([0: 7], for: "old")
        try filesystem.fill()

        // Each write is one small transaction: keep writing until the WAL needs a block (bounded).
        let sessionRefusal = await firstRefusal { try await sessions.save(clientID: "new\($0)", .cloudToDevice) }
        #expect((sessionRefusal as? DeviceSessionStoreError)?.isFull == true, "\(String(describing: sessionRefusal))")
        let positions = Dictionary(uniqueKeysWithValues: (0..<100).map { ($0, Int64($0)) })
        let checkpointRefusal = await firstRefusal { try await checkpoints.save(positions, for: "group\($0)") }
        #expect((checkpointRefusal as? CheckpointStoreError)?.isFull == true, "\(String(describing: checkpointRefusal))")
        #expect(try await sessions.loadSessions()["old"] == .methods)
        #expect(try await checkpoints.checkpoints(of: "old") == [0: 7])

        filesystem.makeRoom()
        try await sessions.save(clientID: "after", .methods)
        try await checkpoints.save([1: 9], for: "after")
        #expect(try await sessions.loadSessions()["after"] == .methods)
        #expect(try await checkpoints.checkpoints(of: "after") == [1: 9])
        try database.close()
    }

    /// Runs `write` with 0, 1, … until it throws (at most 2,000 times); what it threw, if anything.
    private func firstRefusal(_ write: (Int) async throws -> Void) async -> (any Error)? {
        for attempt in 0..<2000 {
            do { try await write(attempt) } catch { return error }
        }
        return nil
    }
}
