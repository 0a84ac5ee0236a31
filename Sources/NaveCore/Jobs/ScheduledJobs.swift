import NaveModel

/// IoT Hub's scheduled jobs (jobs v2, reference §3): `scheduleUpdateTwin` and
/// `scheduleDeviceMethod` over the devices a query condition selects, with the lifecycle of
/// §3.3 — `scheduled` until `startTime` (a timer on the injected scheduler), `queued`, then
/// `running` over a device set frozen at start, and `completed`, `cancelled` or `failed`.
///
/// One actor owns every job's state; the device operations of a running job run in a task
/// group on the job's runner task (`ScheduledJobs+Execution.swift`), paced by `JobLimits`.
/// The store is written through at each state change and for each device outcome before the
/// job moves on (see `JobStore`), so `open` on the same store resumes what was running.
public actor ScheduledJobs {
    /// A job and what runs it.
    struct Entry {
        var record: JobRecord
        var devices: [DeviceJobRecord]
        /// Where each device's row is in `devices`.
        var positions: [IdentityKey: Int]
        var statistics: DeviceJobStatistics
        /// Starts the job (and then runs it); cancelled by cancel, expiry and `stop`.
        var runner: Task<Void, Never>?
        /// The start timer of a scheduled job, then the deadline of a running one.
        var timer: ScheduledAction?

        init(_ stored: StoredJob) {
            record = stored.job
            devices = stored.devices
            positions = [:]
            statistics = DeviceJobStatistics()
            setDevices(stored.devices)
        }

        mutating func setDevices(_ rows: [DeviceJobRecord]) {
            devices = rows
            positions = Dictionary(rows.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
            statistics = DeviceJobStatistics()
            statistics.deviceCount = rows.count
            for row in rows { statistics.count(row.status) }
        }

        var snapshot: JobSnapshot { JobSnapshot(record: record, statistics: statistics) }
    }

    let store: any JobStore
    let twins: DeviceTwins
    let methods: DirectMethods
    let connections: LiveConnections
    let targets: any JobTargets
    let clock: any HubClock
    let scheduler: any HubScheduler
    public let limits: JobLimits
    var entries: [String: Entry] = [:]
    /// Ids whose create is writing to the store: a second create of one id is refused at once.
    var creating: Set<String> = []
    /// Set by `stop`: nothing starts any more, and interrupted device operations are not
    /// recorded (their devices stay pending, so a restarted node runs them).
    var stopping = false
    /// Store writes that failed where no caller could be told (a device outcome, a final state).
    public internal(set) var unrecordedWriteCount = 0

    /// Jobs as loaded from `store` (`open` loads them); nothing runs until `resume`.
    public init(store: any JobStore, loaded: [StoredJob], twins: DeviceTwins, methods: DirectMethods, targets: any JobTargets,
                clock: any HubClock, scheduler: any HubScheduler, limits: JobLimits = JobLimits()) {
        precondition(limits.invalidReason == nil, "jobs: \(limits.invalidReason ?? "")")
        self.store = store
        self.twins = twins
        self.methods = methods
        self.connections = twins.registry.connections
        self.targets = targets
        self.clock = clock
        self.scheduler = scheduler
        self.limits = limits
        for stored in loaded { entries[stored.job.jobID] = Entry(stored) }
    }

    /// Loads the jobs from `store`.
    public static func open(store: any JobStore, twins: DeviceTwins, methods: DirectMethods, targets: any JobTargets,
                            clock: any HubClock, scheduler: any HubScheduler, limits: JobLimits = JobLimits()) async throws -> ScheduledJobs {
        ScheduledJobs(store: store, loaded: try await store.loadJobs(), twins: twins, methods: methods, targets: targets,
                      clock: clock, scheduler: scheduler, limits: limits)
    }

    // MARK: The back end's calls (`/jobs/v2`, reference §3.1)

    /// Stores a new job and arms it: `scheduled` with a start timer when `startTime` is in the
    /// future, else `queued` and started at once (§3.3 step 1). 409 for an id in use, 403001
    /// over `activeJobsMax` or `jobsMax`.
    public func create(_ request: JobRequest) async throws(HubError) -> JobSnapshot {
        guard !stopping else { throw .serviceUnavailable() }
        let id = request.jobID
        guard entries[id] == nil, !creating.contains(id) else { throw .jobAlreadyExists(jobID: id) }
        try await makeRoom()
        guard entries[id] == nil, !creating.contains(id) else { throw .jobAlreadyExists(jobID: id) }
        let now = clock.now()
        let record = JobRecord(request: request, createdTime: now, status: request.startTime > now ? .scheduled : .queued)
        creating.insert(id)
        defer { creating.remove(id) }
        do {
            try await store.createJob(record)
        } catch {
            if case .alreadyExists? = error as? JobStoreError { throw .jobAlreadyExists(jobID: id) }
            throw .storeRefused(error, what: "the job", context: "job store failed")
        }
        entries[id] = Entry(StoredJob(job: record))
        arm(id)
        return entries[id]?.snapshot ?? JobSnapshot(record: record, statistics: DeviceJobStatistics())
    }

    /// The job; 404002 JobNotFound when there is none (§3.3 step 9).
    public func job(_ id: String) throws(HubError) -> JobSnapshot {
        guard let entry = entries[id] else { throw .jobNotFound(jobID: id) }
        return entry.snapshot
    }

    /// Cancels a scheduled, queued or running job: it becomes `cancelled` and its unfinished
    /// devices `canceled` (§3.3 step 6). A finished job is returned unchanged. A device
    /// operation already under way is interrupted where it can be (a method call waiting for its
    /// device or answer); a twin patch already handed to the twin service may still apply.
    public func cancel(_ id: String) async throws(HubError) -> JobSnapshot {
        guard let entry = entries[id] else { throw .jobNotFound(jobID: id) }
        if entry.record.status.isFinished { return entry.snapshot }
        await finish(id, as: .cancelled, unfinished: { _ in (.canceled, nil) }, interrupt: true)
        return try job(id)
    }

    /// Jobs filtered by type and status, ordered by creation time then id, a page at a time
    /// (`GET /jobs/v2/query`, §3.1): at most `pageSize` items after the one `continuationToken`
    /// names, and the token of the next page when there is one. A job created between pages
    /// sorts after the ones listed, so a continuation never repeats or skips a listed job.
    public func query(type: JobType?, status: JobStatus?, pageSize: Int,
                      continuationToken: String?) throws(HubError) -> (items: [JSONValue], continuationToken: String?) {
        let after = try continuationToken.map { token throws(HubError) in try JobListPosition(token: token) }
        let matching = entries.values.lazy
            .filter { type == nil || $0.record.request.type == type }
            .filter { status == nil || $0.record.status == status }
            .map { (JobListPosition($0.record), $0) }
            .filter { after == nil || after! < $0.0 }
            .sorted { $0.0 < $1.0 }
        let page = matching.prefix(pageSize)
        let next = matching.count > pageSize ? page.last.map { $0.0.token } : nil
        return (page.map { $0.1.snapshot.json }, next)
    }

    /// Every device job row (`FROM devices.jobs`, §3.4): one per (device, job), jobs by creation
    /// time then id, devices in `DeviceJobOrder`. The query endpoint filters and projects them.
    public func deviceJobRows() -> [JSONValue] {
        let ordered = entries.values.sorted { JobListPosition($0.record) < JobListPosition($1.record) }
        var rows: [JSONValue] = []
        rows.reserveCapacity(ordered.reduce(0) { $0 + $1.devices.count })
        for entry in ordered {
            for device in entry.devices { rows.append(device.json(jobType: entry.record.request.type)) }
        }
        return rows
    }

    // MARK: Life of the service

    /// Arms the jobs loaded at start: scheduled ones get their timers, queued ones start, and
    /// running ones resume with the devices whose outcome is not stored. Call once.
    public func resume() {
        for id in entries.keys.sorted() { arm(id) }
    }

    /// Stops every timer and runner and waits for the runners to end (node shutdown, before the
    /// store closes). Outcomes that arrive while stopping are still stored; interrupted ones
    /// are not, so those devices run again after a restart.
    public func stop() async {
        stopping = true
        var runners: [Task<Void, Never>] = []
        for id in entries.keys {
            entries[id]?.timer?.cancel()
            if let runner = entries[id]?.runner {
                runner.cancel()
                runners.append(runner)
            }
        }
        for runner in runners { await runner.value }
    }

    /// Makes room for one more job: drops finished jobs past their retention (§3.3 step 7) when
    /// at `jobsMax`, then refuses over `jobsMax` or `activeJobsMax`.
    private func makeRoom() async throws(HubError) {
        let active = entries.values.filter { !$0.record.status.isFinished }.count + creating.count
        guard active < limits.activeJobsMax else {
            throw .jobQuotaExceeded("The hub already has \(limits.activeJobsMax) jobs scheduled or running, the most it allows.")
        }
        guard entries.count + creating.count >= limits.jobsMax else { return }
        let oldest = clock.now().millisecondsSinceEpoch - limits.finishedJobRetentionSeconds * 1000
        let expired = entries.values.filter { $0.record.status.isFinished && $0.record.endTime.millisecondsSinceEpoch < oldest }
            .map(\.record.jobID)
        if !expired.isEmpty {
            do {
                try await store.deleteJobs(expired)
            } catch {
                throw .storeRefused(error, what: "the job", context: "job store failed")
            }
            for id in expired { entries[id] = nil }
        }
        guard entries.count + creating.count < limits.jobsMax else {
            throw .jobQuotaExceeded("The hub keeps \(limits.jobsMax) jobs, the most it allows; finished jobs go after "
                                    + "\(limits.finishedJobRetentionSeconds) seconds.")
        }
    }
}

/// A job as the service answers it: its record and device counts.
public struct JobSnapshot: Sendable, Equatable {
    public let record: JobRecord
    public let statistics: DeviceJobStatistics

    /// The `JobResponse` body (reference §3.2).
    public var json: JSONValue { record.json(statistics: statistics) }
}

/// Where a job sorts in listings, and the continuation token that names it:
/// `<createdTime in ms>:<jobId>` (job ids hold no `:`).
struct JobListPosition: Comparable {
    let createdMillis: Int64
    let jobID: String

    init(_ record: JobRecord) {
        createdMillis = record.createdTime.millisecondsSinceEpoch
        jobID = record.jobID
    }

    init(token: String) throws(HubError) {
        let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let millis = Int64(parts[0]), JobRequest.isValidJobID(String(parts[1])) else {
            throw .argumentInvalid("The continuation token is not one this hub gave.")
        }
        createdMillis = millis
        jobID = String(parts[1])
    }

    var token: String { "\(createdMillis):\(jobID)" }

    static func < (a: JobListPosition, b: JobListPosition) -> Bool {
        a.createdMillis != b.createdMillis ? a.createdMillis < b.createdMillis : a.jobID < b.jobID
    }
}
