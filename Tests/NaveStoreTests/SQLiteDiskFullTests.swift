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
}
