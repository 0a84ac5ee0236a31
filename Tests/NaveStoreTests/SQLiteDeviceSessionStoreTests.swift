import NaveCore
import NaveStore
import Testing

@Suite("SQLite device sessions")
struct SQLiteDeviceSessionStoreTests {
    @Test("sessions round-trip, replace, delete on empty, and survive reopening the file")
    func roundTripAndReopen() async throws {
        try await withScratchDirectory { directory in
            let path = directory + "/nave.sqlite"
            let database = try await SQLiteDatabase(path: path)
            let store = SQLiteDeviceSessionStore(database: database)
            try await store.save(clientID: "dev1", [.methods, .cloudToDevice])
            try await store.save(clientID: "dev1/mod1", [.twinResponses])
            try await store.save(clientID: "dev1/mod1", [.twinResponses, .desiredPatches])
            try await store.save(clientID: "gone", [.methods])
            try await store.save(clientID: "gone", [])
            try database.close()
            let reopened = try await SQLiteDatabase(path: path)
            defer { try? reopened.close() }
            let sessions = try await SQLiteDeviceSessionStore(database: reopened).loadSessions()
            #expect(sessions == ["dev1": [.methods, .cloudToDevice], "dev1/mod1": [.twinResponses, .desiredPatches]])
        }
    }
}
