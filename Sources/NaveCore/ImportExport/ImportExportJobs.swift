import NaveModel

/// IoT Hub's import/export jobs (reference §3.5): `POST /jobs/create` stores a job and answers
/// at once (`enqueued`); a runner task then exports the registry to, or imports it from, a
/// container of Nave's own blob store (`ImportExportJobs+Export.swift`, `+Import.swift`), and
/// `GET /jobs/{id}` shows its `progress` until it is `completed`, `failed` or `cancelled`.
///
/// **One active job.** IoT Hub runs one import/export job per hub at a time (§3.5); a create
/// while one is enqueued or running is refused with 403 `403001 JobQuotaExceeded`, the code
/// §3.3 step 8 gives for "another job running" (Appendix B leaves 409 or 403 open).
///
/// **Restart.** A job the node stopped in the middle is marked `failed` when the node starts
/// again (`resume`), with a `failureReason` that says so; it is not resumed. An export wrote
/// nothing visible (its blob is committed whole at the end); an import applied the lines before
/// the stop, and running it again applies them again — `createOrUpdate` lines are idempotent,
/// `create` lines then fail as duplicates in `importErrors.log`.
public actor ImportExportJobs {
    let store: any ImportExportJobStore
    let blobs: BlobService
    let registry: IdentityRegistry
    let twins: DeviceTwins
    let hostName: String
    let clock: any HubClock
    let random: any HubRandom
    public let limits: ImportExportLimits
    var jobs: [String: ImportExportJob]
    /// The active job's runner.
    var runner: (jobID: String, task: Task<Void, Never>)?
    /// Set by `stop`: nothing starts any more.
    var stopping = false
    /// Store writes that failed where no caller could be told (progress, a final state).
    public internal(set) var unrecordedWriteCount = 0

    /// Jobs as loaded from `store` (`open` loads them); nothing runs until `resume`.
    public init(store: any ImportExportJobStore, loaded: [ImportExportJob], blobs: BlobService, registry: IdentityRegistry,
                twins: DeviceTwins, hostName: String, clock: any HubClock, random: any HubRandom,
                limits: ImportExportLimits = ImportExportLimits()) {
        precondition(limits.invalidReason == nil, "importExport: \(limits.invalidReason ?? "")")
        self.store = store
        self.blobs = blobs
        self.registry = registry
        self.twins = twins
        self.hostName = hostName
        self.clock = clock
        self.random = random
        self.limits = limits
        jobs = Dictionary(loaded.map { ($0.jobID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: The back end's calls (reference §3.1)

    /// Stores a new job under a fresh id and starts it; the answer is `enqueued` (or whatever
    /// the job reached meanwhile). 403001 while another import/export job is active.
    public func create(_ request: ImportExportJobRequest) async throws(HubError) -> ImportExportJob {
        guard !stopping else { throw .serviceUnavailable() }
        try refuseWhileActive()
        // A cancelled job's runner may still be winding down (it stops at its next chunk or
        // batch): the next job starts after it, so two runners never write at once.
        if let previous = runner {
            await previous.task.value
            try refuseWhileActive()
        }
        let job = ImportExportJob(jobID: CloudToDeviceRules.uuid(random.bytes(16)), request: request, createdTime: clock.now())
        // Held from here, across the store's awaits, so a concurrent create finds it active.
        jobs[job.jobID] = job
        do {
            try await dropOldFinishedJobs()
            try await store.saveImportExportJob(job)
        } catch {
            jobs[job.jobID] = nil
            throw .storeRefused(error, what: "the job", context: "import/export job store failed")
        }
        launch(job.jobID)
        return job
    }

    /// 403001 while a job is enqueued or running (one import/export job per hub, §3.5).
    private func refuseWhileActive() throws(HubError) {
        guard let active = jobs.values.first(where: { !$0.status.isFinished }) else { return }
        throw .jobQuotaExceeded("Import/export job '\(active.jobID)' is \(active.status.rawValue); a hub runs one "
                                + "import/export job at a time.")
    }

    /// The job; 404002 JobNotFound when there is none.
    public func job(_ id: String) throws(HubError) -> ImportExportJob {
        guard let job = jobs[id] else { throw .jobNotFound(jobID: id) }
        return job
    }

    /// Every job, oldest first (`GET /jobs`).
    public func list() -> [ImportExportJob] {
        jobs.values.sorted { ($0.createdTime, $0.jobID) < ($1.createdTime, $1.jobID) }
    }

    /// Cancels an enqueued or running job (`DELETE /jobs/{id}`): it becomes `cancelled` at once
    /// and its runner stops before its next chunk or batch; an export's blob is then not
    /// written, an import keeps the batches already applied. A finished job is returned as is.
    public func cancel(_ id: String) async throws(HubError) -> ImportExportJob {
        guard var job = jobs[id] else { throw .jobNotFound(jobID: id) }
        guard !job.status.isFinished else { return job }
        job.status = .cancelled
        job.endTime = clock.now()
        jobs[id] = job
        await persist(job)
        if let runner, runner.jobID == id { runner.task.cancel() }
        return job
    }

    // MARK: Life of the service

    /// Marks jobs the node stopped in the middle as `failed` (see the type's note). Call once.
    public func resume() async {
        for var job in jobs.values where !job.status.isFinished {
            job.failureReason = "The node stopped while the job was \(job.status.rawValue); create the job again."
            job.status = .failed
            job.endTime = clock.now()
            jobs[job.jobID] = job
            await persist(job)
        }
    }

    /// Stops the active job's runner and waits for it (node shutdown, before the store closes).
    /// The job stays as last stored, so `resume` after a restart marks it failed.
    public func stop() async {
        stopping = true
        guard let runner else { return }
        runner.task.cancel()
        await runner.task.value
    }

    // MARK: Running

    private func launch(_ id: String) {
        guard let job = jobs[id] else { return }
        let context = ImportExportContext(limits: limits, blobs: blobs, registry: registry, twins: twins, hostName: hostName)
        let task = Task {
            // Blocking blob work runs on the global executor, never on an event loop.
            await withTaskExecutorPreference(globalConcurrentExecutor) {
                await self.run(job, context)
            }
        }
        runner = (id, task)
    }

    private nonisolated func run(_ job: ImportExportJob, _ context: ImportExportContext) async {
        guard await started(job.jobID) else { return }
        let progress: @Sendable (Int) async -> Void = { percent in await self.progressed(job.jobID, percent) }
        let outcome: Result<String?, ImportExportFailure>
        switch job.request.type {
        case .export: outcome = await context.export(job.request, progress: progress)
        case .import: outcome = await context.importDevices(job.request, progress: progress)
        }
        await finished(job.jobID, outcome)
    }

    /// Marks the job running; false when it was cancelled first.
    private func started(_ id: String) async -> Bool {
        guard var job = jobs[id], job.status == .enqueued, !stopping else { return false }
        job.status = .running
        job.startTime = clock.now()
        jobs[id] = job
        await persist(job)
        return true
    }

    private func progressed(_ id: String, _ percent: Int) async {
        guard var job = jobs[id], job.status == .running, percent > job.progress else { return }
        job.progress = min(percent, 99)
        jobs[id] = job
        await persist(job)
    }

    /// Records the outcome, unless the job was cancelled (or the node is stopping: then the
    /// job stays running in the store and `resume` fails it).
    private func finished(_ id: String, _ outcome: Result<String?, ImportExportFailure>) async {
        if runner?.jobID == id { runner = nil }
        guard var job = jobs[id], job.status == .running, !stopping else { return }
        switch outcome {
        case .success(let remark):
            job.status = .completed
            job.progress = 100
            job.failureReason = remark
        case .failure(let failure):
            job.status = .failed
            job.failureReason = failure.reason
        }
        job.endTime = clock.now()
        jobs[id] = job
        await persist(job)
    }

    private func persist(_ job: ImportExportJob) async {
        do {
            try await store.saveImportExportJob(job)
        } catch {
            unrecordedWriteCount += 1
        }
    }

    /// Past `jobsKeptMax` (the new job counted), drops the oldest finished jobs.
    private func dropOldFinishedJobs() async throws {
        guard jobs.count > limits.jobsKeptMax else { return }
        let dropped = Array(list().filter(\.status.isFinished).prefix(jobs.count - limits.jobsKeptMax).map(\.jobID))
        try await store.deleteImportExportJobs(dropped)
        for id in dropped { jobs[id] = nil }
    }
}

/// What a running job needs, passed to its runner (which runs off the actor).
struct ImportExportContext: Sendable {
    let limits: ImportExportLimits
    let blobs: BlobService
    let registry: IdentityRegistry
    let twins: DeviceTwins
    let hostName: String
}
