import NaveCore
import NaveModel
@testable import NaveStore
import Testing

/// What only the SQLite twin store has: a file that outlives the process, a document format
/// it must refuse to guess at when damaged, and a medium that can fail.
@Suite("SQLite twin store")
struct SQLiteTwinStoreTests {
    @Test("twins survive closing and reopening the file")
    func survivesReopen() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nave.sqlite"
            let first = try await SQLiteDatabase(path: path)
            try await SQLiteTwinStore(database: first).saveTwin(TwinSample.rich)
            try first.close()
            let second = try await SQLiteDatabase(path: path)
            defer { try? second.close() }
            let loaded = try await SQLiteTwinStore(database: second).loadTwin(IdentityKey(deviceID: "dev1"))
            let equal = loaded == TwinSample.rich
            #expect(equal)
        }
    }

    static let damaged: [(String, String)] = [
        ("not JSON", "{\"format\":1,"),
        ("unknown format", #"{"format":3,"generation":"g","tags":{},"desired":{"values":{},"metadata":{"t":0,"v":1}},"reported":{"values":{},"metadata":{"t":0,"v":1}}}"#),
        ("no generation", #"{"format":1,"tags":{},"desired":{"values":{},"metadata":{"t":0,"v":1}},"reported":{"values":{},"metadata":{"t":0,"v":1}}}"#),
        ("metadata without a version", #"{"format":1,"generation":"g","tags":{},"desired":{"values":{},"metadata":{"t":0}},"reported":{"values":{},"metadata":{"t":0,"v":1}}}"#),
        ("members not an object", #"{"format":1,"generation":"g","tags":{},"desired":{"values":{"a":1},"metadata":{"t":0,"v":1,"m":[]}},"reported":{"values":{},"metadata":{"t":0,"v":1}}}"#),
        ("format 2 without configurations", #"{"format":2,"generation":"g","tags":{},"desired":{"values":{},"metadata":{"t":0,"v":1}},"reported":{"values":{},"metadata":{"t":0,"v":1}}}"#),
        ("an unknown configuration status", #"{"format":2,"generation":"g","tags":{},"desired":{"values":{},"metadata":{"t":0,"v":1}},"reported":{"values":{},"metadata":{"t":0,"v":1}},"configurations":{"statuses":{"c":"done"},"paths":{}}}"#),
        ("values not an object", #"{"format":1,"generation":"g","tags":{},"desired":{"values":[],"metadata":{"t":0,"v":1}},"reported":{"values":{},"metadata":{"t":0,"v":1}}}"#),
    ]

    @Test("a damaged document fails the load with a storage error naming the twin, not its content",
          arguments: damaged)
    func damagedDocument(what: String, document: String) async throws {
        try await withScratchDirectory { scratch in
            let escaped = document.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")
            let insert = "INSERT INTO twins VALUES ('d', '', 1, 1, 1, '\(escaped)')"
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite", laterMigrations: [("v9-test-row", insert)])
            defer { try? database.close() }
            let error = await #expect(throws: TwinStoreError.self, "\(what)") {
                try await SQLiteTwinStore(database: database).loadTwin(IdentityKey(deviceID: "d"))
            }
            guard case .storage(let reason)? = error else { return }
            #expect(reason.hasPrefix("the stored twin of 'd' is malformed"), "\(reason)")
            #expect(!reason.contains("format\":"), "\(reason)")
        }
    }

    @Test("a closed database fails with a storage error, never a crash")
    func closedDatabase() async throws {
        try await withScratchDirectory { scratch in
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite")
            let store = SQLiteTwinStore(database: database)
            try database.close()
            await #expect(throws: TwinStoreError.self) { try await store.saveTwin(TwinSample.twin("d")) }
            await #expect(throws: TwinStoreError.self) { try await store.loadTwin(IdentityKey(deviceID: "d")) }
            await #expect(throws: TwinStoreError.self) { try await store.deleteTwins(deviceID: "d") }
        }
    }
}
