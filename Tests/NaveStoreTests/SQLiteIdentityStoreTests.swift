import Foundation
import NaveCore
import NaveModel
@testable import NaveStore
import Testing

/// What only the SQLite store has: a file that outlives the process, a schema version, and
/// refusals of files it must not touch.
@Suite("SQLite identity store")
struct SQLiteIdentityStoreTests {
    static let everything: [RegistryChange] = Sample.devices.map { .putDevice($0) }
        + Sample.modules.map { .putModule($0) } + Sample.policies.map { .putPolicy($0) }

    @Test("data survives closing and reopening the file")
    func survivesReopen() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nave.sqlite"
            let first = try await SQLiteDatabase(path: path)
            try await SQLiteIdentityStore(database: first).apply(Self.everything)
            let written = try await SQLiteIdentityStore(database: first).loadRegistry()
            try first.close()

            let second = try await SQLiteDatabase(path: path)
            defer { try? second.close() }
            let read = try await SQLiteIdentityStore(database: second).loadRegistry()
            #expect(read == written)
            #expect(read.devices.count == Sample.devices.count && read.modules.count == Sample.modules.count)
        }
    }

    @Test("the schema version is recorded; WAL, synchronous FULL and foreign keys are on")
    func schemaAndSettings() async throws {
        try await withScratchDirectory { scratch in
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite")
            defer { try? database.close() }
            #expect(try await database.appliedMigrations() == ["v1", "v2-c2d"])
            #expect(try await database.writerPragma("journal_mode") == "wal")
            #expect(try await database.writerPragma("synchronous") == "2") // FULL
            #expect(try await database.writerPragma("foreign_keys") == "1")
        }
    }

    @Test("a database with a migration this build does not know is refused, and left intact")
    func newerSchemaRefused() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nave.sqlite"
            let later = [(identifier: "v2-from-a-newer-nave", sql: "CREATE TABLE twins (deviceID TEXT PRIMARY KEY)")]
            let newer = try await SQLiteDatabase(path: path, laterMigrations: later)
            try await SQLiteIdentityStore(database: newer).apply([.putDevice(Sample.devices[0])])
            try newer.close()

            let error = await #expect(throws: SQLiteStoreError.self) { try await SQLiteDatabase(path: path) }
            #expect(error == .newerSchema(path: path, unknownMigrations: ["v2-from-a-newer-nave"]))
            #expect(error?.description.contains("newer Nave") == true)
            #expect(error?.description.contains("v2-from-a-newer-nave") == true)

            // The newer build still finds its data.
            let again = try await SQLiteDatabase(path: path, laterMigrations: later)
            defer { try? again.close() }
            #expect(try await SQLiteIdentityStore(database: again).loadRegistry().devices == [Sample.devices[0]])
        }
    }

    @Test("a file that is not an SQLite database is refused with SQLite's reason")
    func corruptFileRefused() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nave.sqlite"
            try Data(repeating: 0xA5, count: 8_192).write(to: URL(fileURLWithPath: path))
            let error = await #expect(throws: SQLiteStoreError.self) { try await SQLiteDatabase(path: path) }
            guard case .cannotOpen(let failedPath, let reason) = error else {
                Issue.record("expected cannotOpen, got \(String(describing: error))")
                return
            }
            #expect(failedPath == path)
            #expect(reason.contains("not a database"))
        }
    }

    @Test("a stored word this build does not know fails the load instead of being guessed")
    func unknownWordRefused() async throws {
        try await withScratchDirectory { scratch in
            let insert = """
                INSERT INTO devices (deviceID, generationID, etag, status, statusUpdatedTime,
                    authenticationType, iotEdge) VALUES ('d', 'g', 'e', 'enabled', 0, 'kerberos', 0)
                """
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite",
                                                     laterMigrations: [("v2-test-row", insert)])
            defer { try? database.close() }
            await #expect(throws: IdentityStoreError.storage("unknown authentication type in table devices")) {
                try await SQLiteIdentityStore(database: database).loadRegistry()
            }
        }
    }

    @Test("text with U+0000 is refused, naming the field but not the value, and nothing is applied")
    func nulRefused() async throws {
        try await withScratchDirectory { scratch in
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite")
            defer { try? database.close() }
            let store = SQLiteIdentityStore(database: database)
            var device = Sample.device("d")
            device.statusReason = "cut\u{0}here"
            await #expect(throws: IdentityStoreError.storage("the device's statusReason contains U+0000, which this store cannot keep")) {
                try await store.apply([.putPolicy(Sample.policy("p", [])), .putDevice(device)])
            }
            var module = Sample.module("d", "m")
            module.authentication.primaryKey = "secret\u{0}"
            await #expect(throws: IdentityStoreError.storage("the module's primaryKey contains U+0000, which this store cannot keep")) {
                try await store.apply([.putDevice(Sample.device("d")), .putModule(module)])
            }
            #expect(try await store.loadRegistry() == RegistrySnapshot())
        }
    }

    @Test("a closed database fails with a storage error, never a crash")
    func closedDatabase() async throws {
        try await withScratchDirectory { scratch in
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite")
            let store = SQLiteIdentityStore(database: database)
            try database.close()
            try database.close()
            let applyError = await #expect(throws: IdentityStoreError.self) {
                try await store.apply([.putDevice(Sample.device("d"))])
            }
            guard case .storage(let reason) = applyError else {
                Issue.record("expected storage, got \(String(describing: applyError))")
                return
            }
            #expect(!reason.isEmpty)
            await #expect(throws: IdentityStoreError.self) { try await store.loadRegistry() }
        }
    }

    @Test("a 10,000-device batch with modules loads back intact")
    func largeBatch() async throws {
        try await withScratchDirectory { scratch in
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite")
            defer { try? database.close() }
            let store = SQLiteIdentityStore(database: database)
            // Zero-padded ids, so the expected order is the creation order.
            let devices = (0..<10_000).map { index in
                var device = Sample.device("device-" + String(repeating: "0", count: 5 - String(index).count) + "\(index)")
                device.parentScopes = index.isMultiple(of: 10) ? ["ms-azure-iot-edge://edge-\(index)"] : []
                return device
            }
            let modules = devices.prefix(1_000).map { Sample.module($0.deviceID, "module") }
            try await store.apply(devices.map { .putDevice($0) } + modules.map { .putModule($0) })
            let loaded = try await store.loadRegistry()
            #expect(loaded.devices.count == 10_000)
            #expect(loaded.devices == devices)
            #expect(loaded.modules == modules)
        }
    }
}
