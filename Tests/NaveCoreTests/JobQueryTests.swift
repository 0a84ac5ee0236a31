import NaveCore
import NaveModel
import Testing

/// Jobs and the query language: `queryCondition` evaluated as `POST /devices/query` would
/// (`HubQuery`), and device job rows served as `FROM devices.jobs` (§3.4).
@Suite("Job queries")
struct JobQueryTests {
    @Test("a queryCondition selects what SELECT * FROM devices WHERE <condition> lists")
    func targets() async throws {
        let harness = try await JobHarness(deviceCount: 3)
        _ = try await harness.registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        _ = try await harness.twins.updateTwin(IdentityKey(deviceID: "dev0"), TwinUpdate(tags: ["env": .string("test")]), ifMatch: nil)
        _ = try await harness.twins.updateTwin(IdentityKey(deviceID: "dev2"), TwinUpdate(tags: ["env": .string("prod")]), ifMatch: nil)
        let targets = HubQuery(registry: harness.registry, twins: harness.twins)
        #expect(try await targets.identities(matching: "tags.env = 'test'") == [IdentityKey(deviceID: "dev0")])
        #expect(try await targets.identities(matching: " * ") == (0..<3).map { IdentityKey(deviceID: "dev\($0)") })
        #expect(try await targets.identities(matching: "deviceId IN ['dev2', 'nope', 'dev1']")
                == [IdentityKey(deviceID: "dev1"), IdentityKey(deviceID: "dev2")])
        #expect(try await targets.identities(matching: "FROM devices.modules WHERE moduleId = 'm1'")
                == [IdentityKey(deviceID: "dev1", moduleID: "m1")])
        let error = await #expect(throws: HubError.self) { try await targets.identities(matching: "tags.env ==") }
        #expect(error?.code == 400_004)
        await #expect(throws: HubError.self) { try await targets.identities(matching: "FROM devices.jobs") }
    }

    @Test("FROM devices.jobs lists one row per (device, job), filtered by its fields in either form")
    func deviceJobRows() async throws {
        let harness = try await JobHarness(deviceCount: 2)
        _ = MethodTestDevice(IdentityKey(deviceID: "dev0"), service: harness.methods,
                             fallback: .answer(status: 200, payload: #"{"ok":true}"#)).register(in: harness)
        _ = try await harness.jobs.create(harness.methodJob("mj", condition: "*"))
        _ = try await harness.waitFor("mj", .completed)
        _ = try await harness.jobs.create(try harness.twinJob("tj"))
        _ = try await harness.waitFor("tj", .completed)
        let query = HubQuery(registry: harness.registry, twins: harness.twins, jobs: harness.jobs)
        let all = try await query.page("SELECT * FROM devices.jobs", pageRows: nil, continuation: nil)
        #expect(all.itemType == "deviceJob" && all.rows.count == 3)
        let failed = try await query.page("SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'mj' AND status = 'failed'",
                                          pageRows: nil, continuation: nil)
        #expect(failed.rows.map { $0["deviceId"] } == [.string("dev1")])
        #expect(failed.rows.first?["error"]?["code"] == .string("DeviceNotOnline"))
        let mine = try await query.page("SELECT * FROM devices.jobs WHERE devices.jobs.deviceId = 'dev0'", pageRows: 1, continuation: nil)
        #expect(mine.rows.count == 1 && mine.rows[0]["jobType"] == .string("scheduleDeviceMethod"))
        #expect(mine.rows[0]["outcome"]?["deviceMethodResponse"] == ["status": .integer(200), "payload": ["ok": .bool(true)]])
        let token = mine.continuation
        #expect(token != nil)
        let next = try await query.page("SELECT * FROM devices.jobs WHERE devices.jobs.deviceId = 'dev0'", pageRows: 1,
                                        continuation: token)
        #expect(next.rows.map { $0["jobId"] } == [.string("tj")] && next.continuation == nil)
    }
}
