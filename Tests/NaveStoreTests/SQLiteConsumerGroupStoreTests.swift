import NaveCore
import NaveModel
import NaveStore
import Testing

@Suite("SQLite consumer groups")
struct SQLiteConsumerGroupStoreTests {
    @Test("groups created and deleted through ConsumerGroups are there after the file is reopened, $Default's time included")
    func survivesReopen() async throws {
        try await withScratchDirectory { directory in
            let path = directory + "/nave.sqlite"
            let clock = ManualClock()
            var database = try await SQLiteDatabase(path: path)
            #expect(try await database.appliedMigrations().contains("v2-consumer-groups"))
            var groups = try await ConsumerGroups.open(store: SQLiteConsumerGroupStore(database: database),
                                                       checkpoints: SQLiteCheckpointStore(database: database), clock: clock)
            clock.advance(seconds: 10)
            _ = try await groups.create("Analytics")
            _ = try await groups.create("gone")
            try await groups.delete("GONE")
            let before = groups.list()
            try database.close()

            clock.advance(seconds: 10)
            database = try await SQLiteDatabase(path: path)
            defer { try? database.close() }
            groups = try await ConsumerGroups.open(store: SQLiteConsumerGroupStore(database: database),
                                                   checkpoints: SQLiteCheckpointStore(database: database), clock: clock)
            #expect(groups.list() == before)
            #expect(before == [ConsumerGroupInfo(name: "$Default", createdAt: Timestamp(secondsSinceEpoch: 1_700_000_000)),
                               ConsumerGroupInfo(name: "Analytics", createdAt: Timestamp(secondsSinceEpoch: 1_700_000_010))])
            #expect(groups.contains("analytics") && !groups.contains("gone"))
        }
    }

    @Test("deleting a group's checkpoints removes every partition's, in any case, and leaves other groups'")
    func deleteCheckpoints() async throws {
        try await withScratchDirectory { directory in
            let database = try await SQLiteDatabase(path: directory + "/nave.sqlite")
            defer { try? database.close() }
            let checkpoints = SQLiteCheckpointStore(database: database)
            try await checkpoints.save([0: 7, 1: 3], for: "Analytics")
            try await checkpoints.save([2: 9], for: "analytics")
            try await checkpoints.save([0: 5], for: "archive")
            try await checkpoints.deleteCheckpoints(of: "ANALYTICS")
            #expect(try await checkpoints.checkpoints(of: "Analytics") == [:])
            #expect(try await checkpoints.checkpoints(of: "analytics") == [:])
            #expect(try await checkpoints.checkpoints(of: "archive") == [0: 5])
        }
    }
}
