import NaveCore
import NaveModel
import NaveStore
import Testing

typealias JobStoreFactory = PortFactory<any JobStore>

extension PortFactory where Store == any JobStore {
    static var all: [JobStoreFactory] { [.inMemory { InMemoryJobStore() }, .sqlite { SQLiteJobStore(database: $0) }] }
}

/// What every `JobStore` must do, checked the same way against each factory.
@Suite("JobStore conformance")
struct JobStoreConformance {
    static let created = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)

    static func job(_ id: String, status: JobStatus = .scheduled) -> JobRecord {
        let request = JobRequest(jobID: id, type: .scheduleDeviceMethod, queryCondition: "deviceId IN ['a', 'b']",
                                 startTime: Timestamp(millisecondsSinceEpoch: 1_700_000_060_456), maxExecutionTimeSeconds: 90,
                                 method: JobMethodCall(methodName: "reboot", payload: ["x": [.integer(1), .null, .string("é")]],
                                                       responseTimeoutSeconds: 10, connectTimeoutSeconds: 5))
        return JobRecord(request: request, createdTime: created, status: status)
    }

    static func row(_ job: String, _ device: String, module: String? = nil, _ status: DeviceJobStatus = .pending) -> DeviceJobRecord {
        DeviceJobRecord(jobID: job, key: IdentityKey(deviceID: device, moduleID: module), status: status, createdTime: created)
    }

    @Test("an empty store loads nothing; a job round-trips with its request, times and reasons", arguments: JobStoreFactory.all)
    func roundTrip(factory: JobStoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadJobs().isEmpty)
            var job = Self.job("j1")
            try await store.createJob(job)
            #expect(try await store.loadJobs() == [StoredJob(job: job)])
            job.status = .failed
            job.runStartTime = Timestamp(millisecondsSinceEpoch: 1_700_000_061_000)
            job.endTime = .never
            job.failureReason = "why"
            job.statusMessage = "msg"
            try await store.saveJob(job, devices: [])
            #expect(try await store.loadJobs() == [StoredJob(job: job)])
            let twin = JobRecord(request: JobRequest(jobID: "t", type: .scheduleUpdateTwin, queryCondition: "*", startTime: Self.created,
                                                     twinPatch: JobTwinPatch(update: TwinUpdate(tags: ["a": ["b": .null]]), etag: "e1")),
                                 createdTime: Self.created, status: .queued)
            try await store.createJob(twin)
            #expect(try await store.loadJobs().first { $0.job.jobID == "t" }?.job == twin)
        }
    }

    @Test("create is create-only", arguments: JobStoreFactory.all)
    func createOnly(factory: JobStoreFactory) async throws {
        try await factory.withStore { store in
            try await store.createJob(Self.job("j1"))
            let error = await #expect(throws: JobStoreError.self) { try await store.createJob(Self.job("j1", status: .queued)) }
            #expect(error == .alreadyExists("j1"))
            #expect(try await store.loadJobs().map(\.job.status) == [.scheduled], "the refused create changed nothing")
        }
    }

    @Test("device rows: saved with the job, replaced one by one, loaded in device order; deleting a job takes its rows",
          arguments: JobStoreFactory.all)
    func deviceRows(factory: JobStoreFactory) async throws {
        try await factory.withStore { store in
            var job = Self.job("j1")
            try await store.createJob(job)
            try await store.createJob(Self.job("j2"))
            job.status = .running
            let rows = [Self.row("j1", "b"), Self.row("j1", "a", module: "m"), Self.row("j1", "a")]
            try await store.saveJob(job, devices: rows)
            var done = Self.row("j1", "a", module: "m", .completed)
            done.startTime = Timestamp(millisecondsSinceEpoch: 5)
            done.endTime = Timestamp(millisecondsSinceEpoch: 6)
            done.lastUpdatedTime = Timestamp(millisecondsSinceEpoch: 7)
            done.methodResponse = DeviceJobMethodResponse(status: 404, payload: ["ok": .bool(false)])
            try await store.saveDeviceJob(done)
            var failed = Self.row("j1", "b", .failed)
            failed.error = .deviceNotOnline
            try await store.saveDeviceJob(failed)
            let loaded = try await store.loadJobs().first { $0.job.jobID == "j1" }
            #expect(loaded?.job == job)
            #expect(loaded?.devices == [Self.row("j1", "a"), done, failed])
            try await store.deleteJobs(["j1", "unknown"])
            #expect(try await store.loadJobs().map(\.job.jobID) == ["j2"])
        }
    }
}
