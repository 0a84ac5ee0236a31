import NaveCore
import NaveModel
import Testing

/// The job lifecycle of reference §3.3 on a manual clock and scheduler: create, start, device
/// outcomes, cancel, listing, errors.
@Suite("Scheduled jobs")
struct ScheduledJobsTests {
    @Test("a twin-update job due now patches exactly its targets, as PATCH does, and completes with its counts")
    func twinJobCompletes() async throws {
        let harness = try await JobHarness()
        let connection = RecordingConnection()
        harness.registry.connections.register(connection, as: IdentityKey(deviceID: "dev0"), at: harness.clock.now())
        let created = try await harness.jobs.create(try harness.twinJob("tj1"))
        #expect([.queued, .running].contains(created.record.status))
        let done = try await harness.waitFor("tj1", .completed)
        #expect(done.statistics.deviceCount == 1 && done.statistics.succeededCount == 1 && done.statistics.failedCount == 0)
        #expect(done.record.endTime == harness.clock.now())
        #expect(try await harness.desired("dev0").values["fw"] == .string("2"))
        #expect(try await harness.desired("dev1").values["fw"] == nil, "a device the condition did not select")
        #expect(connection.desiredPatches.map(\.body) == [#"{"fw":"2","$version":2}"#])
        let json = done.json
        #expect(json["status"] == .string("completed") && json["endTime"] != nil)
        #expect(json["updateTwin"]?["etag"] == .string("*"))
        #expect(json["deviceJobStatistics"]?["succeededCount"] == .integer(1))
    }

    @Test("a job whose startTime is ahead stays scheduled until then, and its targets are those of its start")
    func scheduledStartsOnTime() async throws {
        let harness = try await JobHarness(lists: [JobHarness.test: [IdentityKey(deviceID: "dev0"), IdentityKey(deviceID: "late")]])
        let created = try await harness.jobs.create(try harness.twinJob("later", startInSeconds: 60))
        #expect(created.record.status == .scheduled)
        #expect(created.json["endTime"] == nil)
        harness.advance(millis: 59_000, stepMillis: 1_000)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await harness.jobs.job("later").record.status == .scheduled)
        // Registered before the start: selected then (the list names it), so it is included.
        _ = try await harness.registry.createDevice(DeviceRequest(deviceID: "late"))
        harness.advance(millis: 1_000)
        let done = try await harness.waitFor("later", .completed)
        #expect(done.statistics.deviceCount == 2 && done.statistics.succeededCount == 2)
        #expect(done.record.runStartTime == Timestamp(millisecondsSinceEpoch: created.record.createdTime.millisecondsSinceEpoch + 60_000))
    }

    @Test("cancelling a scheduled job leaves twins alone; cancelling a finished job returns it unchanged")
    func cancelScheduled() async throws {
        let harness = try await JobHarness()
        _ = try await harness.jobs.create(try harness.twinJob("c1", startInSeconds: 3600))
        let cancelled = try await harness.jobs.cancel("c1")
        #expect(cancelled.record.status == .cancelled && cancelled.json["endTime"] != nil)
        harness.advance(millis: 3_601_000, stepMillis: 60_000)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await harness.desired("dev0").values["fw"] == nil)
        #expect(try await harness.jobs.cancel("c1") == cancelled)

        _ = try await harness.jobs.create(try harness.twinJob("done"))
        let done = try await harness.waitFor("done", .completed)
        #expect(try await harness.jobs.cancel("done") == done)
    }

    @Test("cancelling a running job marks its unfinished devices canceled")
    func cancelRunning() async throws {
        let harness = try await JobHarness(deviceCount: 3)
        for index in 0..<3 { _ = MethodTestDevice(IdentityKey(deviceID: "dev\(index)"), service: harness.methods).register(in: harness) }
        _ = try await harness.jobs.create(harness.methodJob("m-cancel", condition: "*"))
        try await eventually { harness.methods.pendingCallCount == 3 }
        let cancelled = try await harness.jobs.cancel("m-cancel")
        #expect(cancelled.record.status == .cancelled)
        #expect(cancelled.statistics.canceledCount == 3 && cancelled.statistics.unfinishedCount == 0)
        try await eventually { harness.methods.pendingCallCount == 0 }
        let rows = await harness.jobs.deviceJobRows()
        #expect(rows.map { $0["status"] } == Array(repeating: .string("canceled"), count: 3))
    }

    @Test("a method job records each device's answer; an offline device fails with DeviceNotOnline")
    func methodJob() async throws {
        let harness = try await JobHarness(deviceCount: 2)
        let device = MethodTestDevice(IdentityKey(deviceID: "dev0"), service: harness.methods,
                                      fallback: .answer(status: 200, payload: #"{"ok":true}"#)).register(in: harness)
        _ = try await harness.jobs.create(harness.methodJob("mj", condition: "*", maxSeconds: 15))
        let done = try await harness.waitFor("mj", .completed)
        #expect(done.statistics.succeededCount == 1 && done.statistics.failedCount == 1)
        #expect(device.requests.map(\.name) == ["reboot"])
        #expect(device.requests.map { String(decoding: $0.payload, as: UTF8.self) } == [#"{"a":1}"#])
        let rows = await harness.jobs.deviceJobRows()
        #expect(rows.count == 2)
        #expect(rows[0]["deviceId"] == .string("dev0") && rows[0]["status"] == .string("completed"))
        #expect(rows[0]["jobType"] == .string("scheduleDeviceMethod"))
        #expect(rows[0]["outcome"]?["deviceMethodResponse"] == ["status": .integer(200), "payload": ["ok": .bool(true)]])
        #expect(rows[0]["error"] == nil)
        #expect(rows[1]["status"] == .string("failed"))
        #expect(rows[1]["error"]?["code"] == .string("DeviceNotOnline"))
        #expect(rows[1]["outcome"]?["deviceMethodResponse"] == .null)
    }

    @Test("maxExecutionTimeInSeconds ends the job: devices not done fail, the job completes")
    func expiry() async throws {
        let harness = try await JobHarness(deviceCount: 2)
        // dev0 holds the request (never answers); dev1 is offline and the call waits to connect.
        _ = MethodTestDevice(IdentityKey(deviceID: "dev0"), service: harness.methods).register(in: harness)
        _ = try await harness.jobs.create(harness.methodJob("slow", condition: "*", maxSeconds: 10, connectTimeoutSeconds: 60))
        try await eventually { harness.methods.pendingCallCount == 2 }
        harness.advance(millis: 9_900)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await harness.jobs.job("slow").record.status == .running)
        harness.advance(millis: 100)
        let done = try await harness.waitFor("slow", .completed)
        #expect(done.statistics.failedCount == 2)
        let errors = await harness.jobs.deviceJobRows().map { $0["error"]?["code"] }
        #expect(errors == [.string("JobTimedOut"), .string("DeviceNotOnline")])
        try await eventually { harness.methods.pendingCallCount == 0 }
    }

    @Test("a condition the targets refuse fails the job with the reason")
    func badCondition() async throws {
        let harness = try await JobHarness()
        _ = try await harness.jobs.create(try harness.twinJob("bad", condition: "SELECT nonsense"))
        let failed = try await harness.waitFor("bad", .failed)
        #expect(failed.record.failureReason?.contains("Unknown condition") == true)
        #expect(failed.json["failureReason"] != nil)
    }

    @Test("ids: a duplicate is 409, an unknown one 404002 on get and cancel")
    func ids() async throws {
        let harness = try await JobHarness()
        _ = try await harness.jobs.create(try harness.twinJob("dup", startInSeconds: 60))
        await #expect(throws: HubError.jobAlreadyExists(jobID: "dup")) { try await harness.jobs.create(try harness.twinJob("dup")) }
        await #expect(throws: HubError.jobNotFound(jobID: "nope")) { try await harness.jobs.job("nope") }
        await #expect(throws: HubError.jobNotFound(jobID: "nope")) { try await harness.jobs.cancel("nope") }
    }

    @Test("listing filters by type and status and pages in creation order without repeats")
    func listing() async throws {
        let harness = try await JobHarness()
        for index in 0..<5 {
            _ = try await harness.jobs.create(try harness.twinJob("t\(index)", startInSeconds: 600))
            harness.advance(millis: 1_000)
        }
        _ = try await harness.jobs.create(harness.methodJob("m0", condition: "SELECT nothing"))
        _ = try await harness.waitFor("m0", .failed)
        let all = try await harness.jobs.query(type: nil, status: nil, pageSize: 100, continuationToken: nil)
        #expect(all.items.map { $0["jobId"] } == ["t0", "t1", "t2", "t3", "t4", "m0"].map(JSONValue.string))
        #expect(all.continuationToken == nil)
        let twins = try await harness.jobs.query(type: .scheduleUpdateTwin, status: .scheduled, pageSize: 100, continuationToken: nil)
        #expect(twins.items.count == 5)
        #expect(try await harness.jobs.query(type: .scheduleDeviceMethod, status: .failed, pageSize: 100, continuationToken: nil).items.count == 1)
        var seen: [JSONValue] = []
        var token: String?
        repeat {
            let page = try await harness.jobs.query(type: nil, status: nil, pageSize: 2, continuationToken: token)
            #expect(page.items.count <= 2)
            seen += page.items.compactMap { $0["jobId"] }
            token = page.continuationToken
        } while token != nil
        #expect(seen == all.items.compactMap { $0["jobId"] })
        await #expect(throws: HubError.self) { try await harness.jobs.query(type: nil, status: nil, pageSize: 2, continuationToken: "x") }
    }

    @Test("activeJobsMax refuses one more job with 403001")
    func activeBound() async throws {
        var limits = JobLimits()
        limits.activeJobsMax = 2
        let harness = try await JobHarness(limits: limits)
        _ = try await harness.jobs.create(try harness.twinJob("a", startInSeconds: 60))
        _ = try await harness.jobs.create(try harness.twinJob("b", startInSeconds: 60))
        let error = await #expect(throws: HubError.self) { try await harness.jobs.create(try harness.twinJob("c", startInSeconds: 60)) }
        #expect(error?.code == 403_001)
        _ = try await harness.jobs.cancel("a")
        _ = try await harness.jobs.create(try harness.twinJob("c", startInSeconds: 60))
    }
}

extension MethodTestDevice {
    /// Connects this device in the harness's registry.
    func register(in harness: JobHarness) -> MethodTestDevice {
        harness.registry.connections.register(self, as: key, at: harness.clock.now())
        return self
    }
}

@Suite("Job bounds")
struct JobBoundTests {
    @Test("a job whose targets would pass deviceJobRowsMax fails to start and says why")
    func rowBound() async throws {
        var limits = JobLimits()
        limits.deviceJobRowsMax = 4
        let harness = try await JobHarness(deviceCount: 3, limits: limits)
        _ = try await harness.jobs.create(try harness.twinJob("first", condition: "*"))
        _ = try await harness.waitFor("first", .completed)
        _ = try await harness.jobs.create(try harness.twinJob("second", condition: "*"))
        let failed = try await harness.waitFor("second", .failed)
        #expect(failed.record.failureReason?.contains("at most 4 device job rows") == true)
        #expect(failed.statistics.deviceCount == 0)
        #expect(try await harness.desired("dev0").version == 2, "the second job patched nothing")
    }
}
