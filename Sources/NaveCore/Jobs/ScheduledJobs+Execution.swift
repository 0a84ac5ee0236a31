import NaveModel

/// How a job runs (reference §3.3): the start timer, the start (targets evaluated once and
/// frozen, stored with `running` in one write), the paced device operations, each outcome
/// stored before the job moves on, and the end — completed, expired, cancelled or failed.
///
/// **The crash window.** A device's outcome is stored after its operation took effect and
/// before the device's concurrency slot is given back. A node that dies in between (the twin
/// patch applied, or the method answered, but the outcome not yet stored) finds the device
/// `pending` on restart and runs it again: at most `deviceOperationsInFlightMax` devices per
/// job — those in flight at the crash — see their operation twice. A twin patch is idempotent
/// in content (`etag` `*` by default; the desired version moves once more and the device is
/// told again); a method is invoked again, as a retried direct method would be. No device whose
/// outcome was stored runs again: that is the promise of "none runs twice for a device it
/// completed".
extension ScheduledJobs {
    /// Sets a loaded or new job going: a timer for a scheduled one, the runner for a queued or
    /// running one; nothing for a finished one.
    func arm(_ id: String) {
        guard !stopping, let entry = entries[id] else { return }
        switch entry.record.status {
        case .scheduled:
            let delay = entry.record.request.startTime.millisecondsSinceEpoch - clock.now().millisecondsSinceEpoch
            guard delay > 0 else { return launch(id) }
            entries[id]?.timer = scheduler.schedule(afterMillis: delay) { [self] in
                Task { await self.launch(id) }
            }
        case .queued, .running:
            launch(id)
        case .completed, .failed, .cancelled:
            break
        }
    }

    /// Starts the job's runner task (once).
    func launch(_ id: String) {
        guard !stopping, let entry = entries[id], entry.runner == nil, !entry.record.status.isFinished else { return }
        entries[id]?.runner = Task { await self.begin(id) }
    }

    /// The runner: start a due job, then run its unfinished devices until done.
    private func begin(_ id: String) async {
        if let status = entries[id]?.record.status, status == .scheduled || status == .queued { await start(id) }
        guard let record = entries[id]?.record, record.status == .running, !Task.isCancelled else { return }
        // Resumed after its deadline passed (the node was down): no device starts any more.
        if clock.now() >= record.deadline { return await expire(id) }
        armDeadline(id)
        await run(id)
    }

    /// §3.3 step 2: evaluates the targets once and freezes them as `pending` device rows, stored
    /// with the job's `running` in one write. A condition that cannot be evaluated fails the job.
    private func start(_ id: String) async {
        guard let entry = entries[id] else { return }
        entries[id]?.record.status = .queued
        let keys: [IdentityKey]
        do {
            keys = try await targets.identities(matching: entry.record.request.queryCondition)
        } catch {
            return await finish(id, as: .failed, failureReason: "The queryCondition could not be evaluated: \(error.message)")
        }
        // Cancelled (or the node stopping) while the targets were evaluated.
        guard !Task.isCancelled, var record = entries[id]?.record, record.status == .queued else { return }
        let kept = entries.values.reduce(0) { $0 + $1.devices.count }
        guard kept + keys.count <= limits.deviceJobRowsMax else {
            return await finish(id, as: .failed, failureReason: "The job selects \(keys.count) devices; the hub keeps at most "
                                + "\(limits.deviceJobRowsMax) device job rows and holds \(kept).")
        }
        let now = clock.now()
        let rows = Array(Set(keys)).sorted(by: DeviceJobOrder.precedes)
            .map { DeviceJobRecord(jobID: id, key: $0, status: .pending, createdTime: now) }
        record.status = .running
        record.runStartTime = now
        entries[id]?.record = record
        entries[id]?.setDevices(rows)
        if let error = await persist({ [store, record] in try await store.saveJob(record, devices: rows) }) {
            let refusal = HubError.storeRefused(error, what: "the job", context: "job store failed")
            await finish(id, as: .failed, failureReason: "The job's devices could not be stored: \(refusal.message)",
                         unfinished: { _ in (.failed, DeviceJobError(refusal)) })
        }
    }

    /// Expires the job when its `maxExecutionTimeInSeconds`, counted from its start, runs out.
    private func armDeadline(_ id: String) {
        guard let record = entries[id]?.record else { return }
        let left = max(0, record.deadline.millisecondsSinceEpoch - clock.now().millisecondsSinceEpoch)
        entries[id]?.timer?.cancel()
        entries[id]?.timer = scheduler.schedule(afterMillis: left) { [self] in
            Task { await self.expire(id) }
        }
    }

    /// §3.3 step 3, paced: starts the unfinished devices' operations in order, at most
    /// `deviceOperationsInFlightMax` at once and `deviceOperationsPerSecondMax` a second
    /// (`JobPacer`), and completes the job when every one has its outcome.
    private func run(_ id: String) async {
        guard let entry = entries[id] else { return }
        let request = entry.record.request
        let work = entry.devices.indices.filter { !entry.devices[$0].status.isFinished }.map { ($0, entry.devices[$0].key) }
        let (twins, methods, scheduler, limits) = (twins, methods, scheduler, limits)
        await withTaskGroup(of: Void.self) { group in
            var pacer = JobPacer(operationsPerSecond: limits.deviceOperationsPerSecondMax, sliceMillis: limits.pacingSliceMillis)
            var inFlight = 0
            var next = 0
            while next < work.count, !Task.isCancelled {
                if inFlight >= limits.deviceOperationsInFlightMax {
                    await group.next()
                    inFlight -= 1
                    continue
                }
                guard pacer.take() else {
                    await scheduler.sleep(millis: limits.pacingSliceMillis)
                    pacer.refill()
                    continue
                }
                let (index, key) = work[next]
                next += 1
                inFlight += 1
                group.addTask {
                    // A job cancelled or expired since the device was picked starts nothing more.
                    guard await self.markRunning(id, index) else { return }
                    let outcome = await DeviceJobOperation.perform(request, on: key, twins: twins, methods: methods)
                    await self.record(id, index, outcome)
                }
            }
        }
        guard !Task.isCancelled else { return }
        await finish(id, as: .completed)
    }

    /// Marks the device `running` (in memory only: a restart finds it `pending` and runs it);
    /// false when the job no longer runs or the device is not pending.
    private func markRunning(_ id: String, _ index: Int) -> Bool {
        guard !Task.isCancelled, entries[id]?.record.status == .running, let row = entries[id]?.devices[index],
              row.status == .pending else { return false }
        let now = clock.now()
        entries[id]?.statistics.count(.pending, by: -1)
        entries[id]?.statistics.count(.running)
        entries[id]?.devices[index].status = .running
        entries[id]?.devices[index].startTime = now
        entries[id]?.devices[index].lastUpdatedTime = now
        return true
    }

    /// §3.3 step 4: the device's outcome, stored before its slot is given back. Outcomes of a
    /// job no longer running (cancelled or expired meanwhile) and interrupted operations are not
    /// recorded. A store that refuses fails the job: running on would make promises a restart
    /// forgets.
    private func record(_ id: String, _ index: Int, _ outcome: DeviceJobOutcome) async {
        guard entries[id]?.record.status == .running, var row = entries[id]?.devices[index], !row.status.isFinished else { return }
        let before = row.status
        switch outcome {
        case .interrupted:
            return
        case .completed(let response):
            row.status = .completed
            row.methodResponse = response
        case .failed(let error):
            row.status = .failed
            row.error = error
        }
        let now = clock.now()
        if row.startTime == .never { row.startTime = now }
        row.endTime = now
        row.lastUpdatedTime = now
        entries[id]?.devices[index] = row
        entries[id]?.statistics.count(before, by: -1)
        entries[id]?.statistics.count(row.status)
        if let error = await persist({ [store, row] in try await store.saveDeviceJob(row) }) {
            let refusal = HubError.storeRefused(error, what: "the device job", context: "job store failed")
            await finish(id, as: .failed, failureReason: "A device's outcome could not be stored: \(refusal.message)",
                         unfinished: { _ in (.failed, DeviceJobError(refusal)) }, interrupt: true)
        }
    }

    /// §3.3 step 5: `maxExecutionTimeInSeconds` ran out. The job completes; devices not done
    /// fail — with DeviceNotOnline for a method job's device that is not connected (what IoT Hub
    /// records for a device that never came online), else JobTimedOut.
    func expire(_ id: String) async {
        guard let entry = entries[id], entry.record.status == .running else { return }
        let isMethodJob = entry.record.request.type == .scheduleDeviceMethod
        let connections = connections
        await finish(id, as: .completed, unfinished: { row in
            let offline = isMethodJob && connections.connection(of: row.key) == nil
            return (.failed, offline ? .deviceNotOnline : .jobTimedOut)
        }, interrupt: true)
    }

    /// Ends the job as `status` (once): its unfinished devices take what `unfinished` says,
    /// `endTime` is set, its timer stops and, when `interrupt`, its runner is cancelled. The job
    /// and the changed rows are stored in one write.
    func finish(_ id: String, as status: JobStatus, failureReason: String? = nil,
                unfinished: (DeviceJobRecord) -> (DeviceJobStatus, DeviceJobError?) = { _ in (.failed, .jobTimedOut) },
                interrupt: Bool = false) async {
        guard var entry = entries[id], !entry.record.status.isFinished else { return }
        let now = clock.now()
        var changed: [DeviceJobRecord] = []
        for index in entry.devices.indices where !entry.devices[index].status.isFinished {
            var row = entry.devices[index]
            (row.status, row.error) = unfinished(row)
            row.endTime = now
            row.lastUpdatedTime = now
            entry.devices[index] = row
            changed.append(row)
        }
        if !changed.isEmpty { entry.setDevices(entry.devices) }
        entry.record.status = status
        entry.record.endTime = now
        entry.record.failureReason = failureReason
        entry.timer?.cancel()
        entry.timer = nil
        if interrupt { entry.runner?.cancel() }
        entries[id] = entry
        let record = entry.record
        if await persist({ [store, changed] in try await store.saveJob(record, devices: changed) }) != nil {
            // Nobody to tell: the job's end holds in memory; after a restart the job resumes
            // from its last stored state.
            unrecordedWriteCount += 1
        }
    }

    /// Runs a store write in a task of its own and returns its error, if any: a cancelled
    /// runner (cancel, expiry, `stop`) must still store an outcome it already has, and GRDB
    /// refuses work on a cancelled task.
    private func persist(_ write: @escaping @Sendable () async throws -> Void) async -> (any Error)? {
        await Task {
            do {
                try await write()
                return nil
            } catch {
                return error
            }
        }.value
    }
}
