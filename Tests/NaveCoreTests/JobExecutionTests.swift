import NaveCore
import NaveModel
import Testing

/// How a running job spends its devices: the rate and concurrency bounds of `JobLimits`, and
/// resuming after a restart without running a completed device twice.
@Suite("Job execution")
struct JobExecutionTests {
    @Test("the pacer hands out perSecond × slice per slice, never banks more than a slice, and starts with one")
    func pacer() {
        var pacer = JobPacer(operationsPerSecond: 10, sliceMillis: 100)
        #expect(takes(&pacer) == 1, "it starts with one slice's budget")
        pacer.refill()
        pacer.refill()
        pacer.refill()
        #expect(takes(&pacer) == 1, "idle slices are not banked")
        var slow = JobPacer(operationsPerSecond: 5, sliceMillis: 100)
        #expect(takes(&slow) == 1)
        slow.refill()
        #expect(takes(&slow) == 0, "half an operation per slice: every other slice")
        slow.refill()
        #expect(takes(&slow) == 1)
        var fast = JobPacer(operationsPerSecond: 1_000, sliceMillis: 100)
        let taken = takes(&fast)
        #expect(taken == 100)
    }

    /// Operations the pacer allows before its budget is spent.
    private func takes(_ pacer: inout JobPacer) -> Int {
        var count = 0
        while pacer.take() { count += 1 }
        return count
    }

    @Test("a job starts no more device operations than its rate allows per slice of scheduler time")
    func rateBound() async throws {
        var limits = JobLimits()
        limits.deviceOperationsPerSecondMax = 10
        limits.pacingSliceMillis = 100
        let harness = try await JobHarness(deviceCount: 25, limits: limits)
        _ = try await harness.jobs.create(try harness.twinJob("paced", condition: "*"))
        func succeeded() async -> Int { (try? await harness.jobs.job("paced").statistics.succeededCount) ?? -1 }
        try await eventuallyAsync { await succeeded() == 1 }
        try await Task.sleep(for: .milliseconds(30))
        #expect(await succeeded() == 1, "no scheduler time passed: one slice's budget only")
        // One slice of scheduler time at a time: never more than one more device per slice. (A
        // step the runner was not yet asleep for is lost, so the bound is checked, not equality.)
        var slices = 0
        while await succeeded() < 25, slices < 1_000 {
            harness.advance(millis: 100)
            slices += 1
            try await Task.sleep(for: .milliseconds(2))
            #expect(await succeeded() <= 1 + slices)
        }
        let done = try await harness.waitFor("paced", .completed)
        #expect(done.statistics.succeededCount == 25)
        #expect(slices >= 24, "25 devices at one per 100 ms slice take 24 slices after the first")
    }

    @Test("a job has at most deviceOperationsInFlightMax device operations unfinished at once")
    func concurrencyBound() async throws {
        var limits = JobLimits()
        limits.deviceOperationsInFlightMax = 3
        limits.deviceOperationsPerSecondMax = 10_000
        let harness = try await JobHarness(deviceCount: 8, limits: limits)
        var devices: [MethodTestDevice] = []
        for index in 0..<8 { devices.append(MethodTestDevice(IdentityKey(deviceID: "dev\(index)"), service: harness.methods).register(in: harness)) }
        _ = try await harness.jobs.create(harness.methodJob("bounded", condition: "*"))
        try await eventually { harness.methods.pendingCallCount == 3 }
        try await Task.sleep(for: .milliseconds(30))
        #expect(harness.methods.pendingCallCount == 3)
        // One answer frees one slot: the next device is called.
        let first = try #require(devices[0].requests.first)
        harness.methods.deviceAnswered(devices[0].key, requestID: first.requestID, status: 200, payload: Array("{}".utf8))
        try await eventually { devices[3].requests.count == 1 }
        try await Task.sleep(for: .milliseconds(30))
        #expect(harness.methods.pendingCallCount == 3)
        #expect(devices[4...].allSatisfy { $0.requests.isEmpty })
        _ = try await harness.jobs.cancel("bounded")
    }

    @Test("after a restart a running job resumes with the devices it had not completed; none is patched twice")
    func resumesAfterRestart() async throws {
        var limits = JobLimits()
        limits.deviceOperationsPerSecondMax = 10
        limits.pacingSliceMillis = 100
        let harness = try await JobHarness(deviceCount: 6, limits: limits)
        _ = try await harness.jobs.create(try harness.twinJob("resume", condition: "*", maxSeconds: 600))
        func succeeded(_ jobs: ScheduledJobs) async -> Int { (try? await jobs.job("resume").statistics.succeededCount) ?? -1 }
        try await harness.advance { await succeeded(harness.jobs) >= 3 }
        await harness.jobs.stop()
        let completedBefore = await succeeded(harness.jobs)
        #expect((3..<6).contains(completedBefore))
        let stored = try await harness.store.loadJobs()
        #expect(stored.first?.job.status == .running)
        #expect(stored.first?.devices.filter { $0.status == .completed }.count == completedBefore)

        let restarted = try await harness.reopen()
        #expect(try await restarted.job("resume").statistics.succeededCount == completedBefore, "the outcomes were stored")
        await restarted.resume()
        try await harness.advance { (try? await restarted.job("resume").record.status) == .completed }
        let done = try await restarted.job("resume")
        #expect(done.statistics.succeededCount == 6 && done.statistics.deviceCount == 6)
        for index in 0..<6 {
            // A new twin's desired version is 1; one patch makes it 2, a second would make it 3.
            #expect(try await harness.desired("dev\(index)").version == 2, "dev\(index) patched once")
        }
    }

    @Test("a job scheduled before a restart still starts at its time after it")
    func scheduledSurvivesRestart() async throws {
        let harness = try await JobHarness()
        _ = try await harness.jobs.create(try harness.twinJob("later", startInSeconds: 30))
        await harness.jobs.stop()
        let restarted = try await harness.reopen()
        await restarted.resume()
        #expect(try await restarted.job("later").record.status == .scheduled)
        harness.advance(millis: 30_000, stepMillis: 1_000)
        _ = try await harness.waitFor("later", .completed, in: restarted)
        #expect(try await harness.desired("dev0").values["fw"] == .string("2"))
    }

    @Test("a running job whose deadline passed while the node was down expires when it resumes")
    func expiredWhileDown() async throws {
        var limits = JobLimits()
        limits.deviceOperationsPerSecondMax = 1
        let harness = try await JobHarness(deviceCount: 3, limits: limits)
        _ = try await harness.jobs.create(try harness.twinJob("short", condition: "*", maxSeconds: 5))
        try await eventuallyAsync { (try? await harness.jobs.job("short").statistics.succeededCount) == 1 }
        await harness.jobs.stop()
        harness.clock.advance(seconds: 60)
        let restarted = try await harness.reopen()
        await restarted.resume()
        try await harness.advance { (try? await restarted.job("short").record.status) == .completed }
        let done = try await restarted.job("short")
        #expect(done.statistics.succeededCount == 1 && done.statistics.failedCount == 2)
    }
}
