import NaveCore
import NaveModel
import NaveStore
import NaveTestSupport
import Testing

@Suite("SQLite jobs")
struct SQLiteJobStoreTests {
    @Test("a running twin job resumes from the reopened file and patches only the devices it had not completed")
    func resumesFromFile() async throws {
        try await withScratchDirectory { directory in
            let path = directory + "/nave.sqlite"
            let clock = ManualClock()
            let scheduler = ManualScheduler()
            let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SeededHubRandom())
            for index in 0..<4 { _ = try await registry.createDevice(DeviceRequest(deviceID: "d\(index)")) }
            let twins = DeviceTwins(store: InMemoryTwinStore(), registry: registry, clock: clock, telemetry: InMemoryTelemetrySink())
            let methods = DirectMethods(registry: registry, scheduler: scheduler, random: SeededHubRandom())
            var limits = JobLimits()
            limits.deviceOperationsPerSecondMax = 10
            func open(_ database: SQLiteDatabase) async throws -> ScheduledJobs {
                try await ScheduledJobs.open(store: SQLiteJobStore(database: database), twins: twins, methods: methods,
                                             targets: HubQuery(registry: registry, twins: twins), clock: clock, scheduler: scheduler,
                                             limits: limits)
            }
            var database = try await SQLiteDatabase(path: path)
            #expect(try await database.appliedMigrations().contains("v2-jobs"))
            var jobs = try await open(database)
            let patch = JobTwinPatch(update: TwinUpdate(desired: ["fw": .string("2")]))
            _ = try await jobs.create(JobRequest(jobID: "j", type: .scheduleUpdateTwin, queryCondition: "*", startTime: clock.now(),
                                                 twinPatch: patch))
            for _ in 0..<1_000 where (try await jobs.job("j").statistics.succeededCount) < 2 {
                scheduler.advance(millis: 100)
                try await Task.sleep(for: .milliseconds(5))
            }
            await jobs.stop()
            let completedBefore = try await jobs.job("j").statistics.succeededCount
            #expect((2..<4).contains(completedBefore))
            try database.close()

            database = try await SQLiteDatabase(path: path)
            defer { try? database.close() }
            jobs = try await open(database)
            #expect(try await jobs.job("j").statistics.succeededCount == completedBefore)
            await jobs.resume()
            for _ in 0..<1_000 where try await jobs.job("j").record.status != .completed {
                scheduler.advance(millis: 100)
                try await Task.sleep(for: .milliseconds(5))
            }
            let done = try await jobs.job("j")
            #expect(done.record.status == .completed && done.statistics.succeededCount == 4)
            for index in 0..<4 {
                #expect(try await twins.twin(IdentityKey(deviceID: "d\(index)")).desired.version == 2, "d\(index) patched once")
            }
            let rows = await jobs.deviceJobRows()
            #expect(rows.map { $0["deviceId"] } == ["d0", "d1", "d2", "d3"].map(JSONValue.string))
        }
    }
}
