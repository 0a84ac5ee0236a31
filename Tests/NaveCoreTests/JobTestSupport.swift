import NaveCore
import NaveModel
import NaveTestSupport

/// Job targets over explicit lists: each condition the test knows selects its identities; `*`
/// every device of the registry; anything else is refused as the query language would.
struct ListedJobTargets: JobTargets {
    let registry: IdentityRegistry
    let lists: [String: [IdentityKey]]

    func identities(matching queryCondition: String) async throws(HubError) -> [IdentityKey] {
        if queryCondition == "*" { return registry.devices().map { IdentityKey(deviceID: $0.deviceID) } }
        guard let list = lists[queryCondition] else { throw .argumentInvalid("Unknown condition '\(queryCondition)'.") }
        return list
    }
}

/// A hub's twins, methods and jobs over in-memory stores with `dev0`…`dev{n-1}`, on a manual
/// clock and scheduler (advanced together by `advance`). `reopen` plays a node restart: a new
/// `ScheduledJobs` over the same job and twin stores.
struct JobHarness {
    let clock = ManualClock()
    let scheduler = ManualScheduler()
    let registry: IdentityRegistry
    let twins: DeviceTwins
    let methods: DirectMethods
    let store: any JobStore
    let limits: JobLimits
    let jobs: ScheduledJobs
    let targets: ListedJobTargets

    static let test = "tags.env = 'test'"

    init(deviceCount: Int = 3, limits: JobLimits = JobLimits(), store: any JobStore = InMemoryJobStore(),
         lists: [String: [IdentityKey]] = [:]) async throws {
        registry = try await makeRegistry(clock: clock)
        for index in 0..<deviceCount { _ = try await registry.createDevice(DeviceRequest(deviceID: "dev\(index)")) }
        twins = DeviceTwins(store: InMemoryTwinStore(), registry: registry, clock: clock, telemetry: InMemoryTelemetrySink())
        methods = DirectMethods(registry: registry, scheduler: scheduler, random: SeededHubRandom())
        self.store = store
        self.limits = limits
        var lists = lists
        lists[Self.test] = lists[Self.test] ?? [IdentityKey(deviceID: "dev0")]
        targets = ListedJobTargets(registry: registry, lists: lists)
        jobs = try await ScheduledJobs.open(store: store, twins: twins, methods: methods, targets: targets, clock: clock,
                                            scheduler: scheduler, limits: limits)
        await jobs.resume()
    }

    /// A new service over the same stores, as a restarted node loads it (not yet resumed).
    func reopen() async throws -> ScheduledJobs {
        try await ScheduledJobs.open(store: store, twins: twins, methods: methods, targets: targets, clock: clock,
                                     scheduler: scheduler, limits: limits)
    }

    /// Moves wall clock and scheduler on together, in `stepMillis` steps.
    func advance(millis: Int64, stepMillis: Int64 = 100) {
        var left = millis
        while left > 0 {
            let step = min(stepMillis, left)
            clock.advance(millis: step)
            scheduler.advance(millis: step)
            left -= step
        }
    }

    /// Moves time on a slice at a time, letting the runners catch up in between, until
    /// `condition` holds (bounded: 5 s of real time). A runner that has not yet gone to sleep
    /// on the scheduler when time moves would otherwise miss the step.
    func advance(until condition: () async -> Bool, stepMillis: Int64 = 100) async throws {
        for _ in 0..<1_000 {
            if await condition() { return }
            advance(millis: stepMillis)
            try await Task.sleep(for: .milliseconds(5))
        }
        if !(await condition()) { throw NeverHappened() }
    }

    func twinJob(_ id: String, condition: String = test, desired: String = #"{"fw":"2"}"#, startInSeconds: Int64 = 0,
                 maxSeconds: Int = 3600) throws -> JobRequest {
        let patch = JobTwinPatch(update: TwinUpdate(desired: try JSONValue(parsing: Array(desired.utf8)).objectValue))
        return JobRequest(jobID: id, type: .scheduleUpdateTwin, queryCondition: condition,
                          startTime: Timestamp(millisecondsSinceEpoch: clock.now().millisecondsSinceEpoch + startInSeconds * 1000),
                          maxExecutionTimeSeconds: maxSeconds, twinPatch: patch)
    }

    func methodJob(_ id: String, condition: String, maxSeconds: Int = 3600, connectTimeoutSeconds: Int = 0) -> JobRequest {
        JobRequest(jobID: id, type: .scheduleDeviceMethod, queryCondition: condition, startTime: clock.now(),
                   maxExecutionTimeSeconds: maxSeconds,
                   method: JobMethodCall(methodName: "reboot", payload: ["a": .integer(1)], responseTimeoutSeconds: 30,
                                         connectTimeoutSeconds: connectTimeoutSeconds))
    }

    /// Waits (bounded) until the job has `status`; returns it.
    @discardableResult
    func waitFor(_ id: String, _ status: JobStatus, in jobs: ScheduledJobs? = nil) async throws -> JobSnapshot {
        let service = jobs ?? self.jobs
        try await eventuallyAsync { (try? await service.job(id))?.record.status == status }
        return try await service.job(id)
    }

    /// The desired properties of `deviceID`'s twin.
    func desired(_ deviceID: String) async throws -> TwinProperties {
        try await twins.twin(IdentityKey(deviceID: deviceID)).desired
    }
}

/// Polls an async `condition` for up to 5 s (the runners work on the cooperative pool).
func eventuallyAsync(_ condition: () async -> Bool) async throws {
    for _ in 0..<5_000 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    if !(await condition()) { throw NeverHappened() }
}
