import Foundation
import NaveCore
import NaveModel
import NaveStore
import NaveTestSupport
import Testing

/// Import/export jobs (reference §3.5) over the file blob store and the SQLite job store: the
/// export's lines, every import mode, `importErrors.log`, the one-active-job rule, SAS and host
/// checks that fail the job, and a job a stop interrupted, marked failed on restart.
@Suite struct ImportExportJobsTests {
    let clock = ManualClock()
    let random = SeededHubRandom()

    struct Harness {
        let registry: IdentityRegistry
        let twins: DeviceTwins
        let blobs: BlobService
        let database: SQLiteDatabase
        let store: SQLiteImportExportJobStore
        let jobs: ImportExportJobs
        let clock: ManualClock

        /// A container SAS URL as `nave storage container-sas` prints it.
        func containerURL(_ container: String, _ permissions: BlobSASPermissions = [.read, .write, .delete, .list],
                          host: String = "localhost:8443") -> String {
            let expiry = Timestamp(secondsSinceEpoch: clock.now().secondsSinceEpoch + 3_600)
            return "https://\(host)/\(container)?" + blobs.signer.token(for: .container(container), permissions: permissions, expiry: expiry)
        }

        func put(_ container: String, _ name: String, _ text: String) throws {
            let writer = try blobs.store.writeBlob(try BlobAddress(container: container, name: name), contentType: "text/plain")
            try writer.append(Array(text.utf8))
            _ = try writer.commit(condition: .none)
        }

        func read(_ container: String, _ name: String) throws -> String {
            let reader = try blobs.store.openForReading(try BlobAddress(container: container, name: name))
            defer { reader.close() }
            return String(decoding: try reader.read(offset: 0, byteCount: Int(reader.properties.byteCount)), as: UTF8.self)
        }

        func lines(_ container: String, _ name: String) throws -> [JSONValue] {
            try read(container, name).split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        }

        /// Polls until the job is finished (the runner is a task of its own).
        func finished(_ job: ImportExportJob) async throws -> ImportExportJob {
            for _ in 0..<2_000 {
                let current = try await jobs.job(job.jobID)
                if current.status.isFinished { return current }
                try await Task.sleep(for: .milliseconds(5))
            }
            Issue.record("job \(job.jobID) did not finish")
            return try await jobs.job(job.jobID)
        }

        func run(_ body: String) async throws -> ImportExportJob {
            try await finished(try await jobs.create(ImportExportJobRequest(json: try JSONValue(parsing: body))))
        }
    }

    func withHarness(limits: ImportExportLimits = ImportExportLimits(), loaded: [ImportExportJob] = [],
                     _ body: (Harness) async throws -> Void) async throws {
        try await withScratchDirectory { directory in
            let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: random)
            let twins = DeviceTwins(store: InMemoryTwinStore(), registry: registry, clock: clock, telemetry: InMemoryTelemetrySink())
            let blobs = BlobService(store: try FileBlobStore(directory: directory, clock: clock, random: random),
                                    signer: BlobSASSigner(key: Array(repeating: 7, count: 32)), quotas: BlobQuotas(),
                                    uploadContainer: "nave-uploads", clock: clock)
            let database = try await SQLiteDatabase(path: directory + "/nave.sqlite")
            let store = SQLiteImportExportJobStore(database: database)
            for job in loaded { try await store.saveImportExportJob(job) }
            let jobs = ImportExportJobs(store: store, loaded: try await store.loadImportExportJobs(), blobs: blobs, registry: registry,
                                        twins: twins, hostName: "localhost", clock: clock, random: random, limits: limits)
            try await body(Harness(registry: registry, twins: twins, blobs: blobs, database: database, store: store, jobs: jobs, clock: clock))
            await jobs.stop()
            try database.close()
        }
    }

    @Test func exportWritesOneDeviceALineWithItsTwinAndNullKeysWhenExcluded() async throws {
        try await withHarness { h in
            _ = try await h.registry.createDevice(DeviceRequest(deviceID: "b-dev"))
            let a = try await h.registry.createDevice(DeviceRequest(deviceID: "a-dev", status: .disabled, statusReason: "why"))
            _ = try await h.twins.updateTwin(IdentityKey(deviceID: "a-dev"), TwinUpdate(tags: ["site": "x"], desired: ["fw": "2"]), ifMatch: nil)
            let job = try await h.run(#"{"type":"export","outputBlobContainerUri":"\#(h.containerURL("exp"))","excludeKeysInExport":true}"#)
            #expect(job.status == .completed && job.progress == 100 && job.failureReason == nil)
            #expect(job.startTime != .never && job.endTime != .never)
            let lines = try h.lines("exp", "devices.txt")
            #expect(lines.map { $0["id"]?.stringValue } == ["a-dev", "b-dev"])
            let first = lines[0]
            #expect(first["eTag"]?.stringValue == a.etag && first["status"] == "disabled" && first["statusReason"] == "why")
            #expect(first["authentication"]?["symmetricKey"]?["primaryKey"] == .null)
            #expect(first["authentication"]?["type"] == "sas")
            #expect(first["tags"] == ["site": "x"] && first["twinETag"]?.stringValue?.isEmpty == false)
            #expect(first["properties"]?["desired"]?["fw"] == "2")
            #expect(first["properties"]?["desired"]?["$version"] == 2)
            #expect(first["properties"]?["desired"]?["$metadata"]?["fw"] != nil)
            #expect(first["properties"]?["reported"]?["$version"] != nil)
            // With keys: they are there; a named output blob is used.
            let withKeys = try await h.run(#"{"type":"export","outputBlobContainerUri":"\#(h.containerURL("exp"))","outputBlobName":"all.txt"}"#)
            #expect(withKeys.status == .completed)
            #expect(try h.lines("exp", "all.txt")[0]["authentication"]?["symmetricKey"]?["primaryKey"]?.stringValue == a.authentication.primaryKey)
        }
    }

    @Test func importAppliesEachModeAndLogsEveryFailedLineWithItsNumber() async throws {
        var limits = ImportExportLimits()
        limits.lineBytesMax = 1_024
        limits.importBatchDevicesMax = 3
        try await withHarness(limits: limits) { h in
            _ = try await h.registry.createDevice(DeviceRequest(deviceID: "d1"))
            _ = try await h.registry.createDevice(DeviceRequest(deviceID: "old"))
            let key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
            let input = [
                #"{"id":"imp1","importMode":"create","status":"enabled","authentication":{"symmetricKey":{"primaryKey":"\#(key)","secondaryKey":"\#(key)"},"type":"sas"}}"#,
                #"{"id":"d1","importMode":"create"}"#,
                "not json",
                #"{"id":"d2","status":"disabled"}"#,
                #"{"id":"d1","importMode":"updateTwin","tags":{"t":1}}"#,
                #"{"id":"d1","importMode":"updateIfMatchETag","eTag":"wrong","status":"disabled"}"#,
                #"{"id":"gone","importMode":"delete"}"#,
                #"{"id":"d3","importMode":"createOrUpdate","tags":{"a":"b"},"properties":{"desired":{"x":1,"$version":4}}}"#,
                "",
                #"{"id":"long","tags":{"pad":""# + String(repeating: "x", count: 2_000) + #""}}"#,
                #"{"id":"old","importMode":"delete"}"#,
                #"{"id":"d1","importMode":"updateTwinIfMatchETag","twinETag":"nope","tags":{"t":2}}"#,
                #"{"id":"d1","importMode":"bogus"}"#,
            ].joined(separator: "\n") + "\n"
            try h.put("inp", "devices.txt", input)
            let job = try await h.run(#"{"type":"import","inputBlobContainerUri":"\#(h.containerURL("inp", .read))","outputBlobContainerUri":"\#(h.containerURL("out", .write))"}"#)
            #expect(job.status == .completed && job.progress == 100)
            #expect(job.failureReason == "7 lines failed; see importErrors.log.")
            #expect(h.registry.device("imp1")?.authentication.primaryKey == key)
            #expect(h.registry.device("d2")?.status == .disabled)
            #expect(h.registry.device("d1")?.status == .enabled)
            #expect(h.registry.device("old") == nil && h.registry.device("long") == nil)
            #expect(try await h.twins.twin(IdentityKey(deviceID: "d1")).tags == ["t": 1])
            let d3 = try await h.twins.twin(IdentityKey(deviceID: "d3"))
            #expect(d3.tags == ["a": "b"] && d3.desired.values == ["x": 1])
            let log = try h.lines("out", "importErrors.log")
            #expect(log.map { $0["errorCode"]?.int64Value } == [409_001, 400_012, 412_001, 404_001, 400_012, 412_001, 400_012])
            let statuses = log.compactMap { $0["errorStatus"]?.stringValue }
            #expect(statuses[0].contains("line 2") && statuses[0].contains("d1") && statuses[0].contains("DeviceAlreadyExists"))
            #expect(statuses[1].hasPrefix("Invalid device format in line 3:"))
            #expect(statuses[2].contains("line 6") && statuses[3].contains("line 7"))
            #expect(statuses[4].hasPrefix("Invalid device format in line 10:") && statuses[4].contains("longer than 1024 bytes"))
            #expect(statuses[5].contains("line 12") && statuses[6].contains("line 13"))
        }
    }

    @Test func importWithoutFailuresWritesAnEmptyLogAndMissingInputFailsTheJob() async throws {
        try await withHarness { h in
            try h.put("inp", "devices.txt", #"{"id":"x1"}"#)
            let job = try await h.run(#"{"type":"import","inputBlobContainerUri":"\#(h.containerURL("inp"))","outputBlobContainerUri":"\#(h.containerURL("out"))"}"#)
            #expect(job.status == .completed && job.failureReason == nil)
            #expect(h.registry.device("x1") != nil)
            #expect(try h.read("out", "importErrors.log").isEmpty)
            let missing = try await h.run(#"{"type":"import","inputBlobContainerUri":"\#(h.containerURL("inp"))","inputBlobName":"nope.txt","outputBlobContainerUri":"\#(h.containerURL("out"))"}"#)
            #expect(missing.status == .failed && missing.failureReason?.contains("inp/nope.txt") == true)
        }
    }

    @Test func aJobWhoseSASOrHostIsNotTheNodesFailsWithTheReason() async throws {
        try await withHarness { h in
            let good = h.containerURL("exp")
            let tampered = good.replacingOccurrences(of: "sig=", with: "sig=AAAA")
            let failures: [(String, String)] = [
                (tampered, "SAS"),
                (h.containerURL("exp", host: "blob.example.com"), "host 'blob.example.com'"),
                (h.containerURL("exp", .read), "does not allow w"),
                (h.containerURL("other").replacingOccurrences(of: "/other?", with: "/exp?"), "SAS"),
            ]
            for (url, reason) in failures {
                let job = try await h.run(#"{"type":"export","outputBlobContainerUri":"\#(url)"}"#)
                #expect(job.status == .failed, "\(reason)")
                #expect(job.failureReason?.contains(reason) == true, "\(job.failureReason ?? "")")
            }
            // The hub's host with or without its port.
            #expect(try await h.run(#"{"type":"export","outputBlobContainerUri":"\#(h.containerURL("exp", host: "LOCALHOST"))"}"#).status == .completed)
            #expect((try? h.read("exp", "devices.txt")) != nil)
        }
    }

    @Test func createRefusesBadRequestsWithFourHundred() throws {
        let bodies = [
            #"{"type":"export"}"#,
            #"{"type":"backup","outputBlobContainerUri":"https://localhost/x?sig=a"}"#,
            #"{"type":"import","outputBlobContainerUri":"https://localhost/x?sig=a"}"#,
            #"{"type":"export","outputBlobContainerUri":"ftp://localhost/x"}"#,
            #"{"type":"export","outputBlobContainerUri":"https://localhost/x/devices.txt?sig=a"}"#,
            #"{"type":"export","outputBlobContainerUri":"https://localhost?sig=a"}"#,
            #"{"type":"export","outputBlobContainerUri":"https://localhost/x?sig=a","storageAuthenticationType":"identityBased"}"#,
        ]
        for body in bodies {
            #expect(throws: HubError.self, "\(body)") { try ImportExportJobRequest(json: try JSONValue(parsing: body)) }
        }
        let request = try ImportExportJobRequest(json: try JSONValue(parsing:
            #"{"type":"export","outputBlobContainerUri":"https://localhost:8443/exp/?sv=1&sig=a%2Fb","storageAuthenticationType":"keyBased"}"#))
        #expect(request.outputBlobContainerURI.container == "exp" && request.outputBlobName == "devices.txt")
        #expect(request.outputBlobContainerURI.query.first { $0.name == "sig" }?.value == "a/b")
        #expect(request.outputBlobContainerURI.isOnHub("localhost") && !request.outputBlobContainerURI.isOnHub("example.com"))
    }

    @Test func onlyOneJobIsActiveAndUnknownIDsAreNotFound() async throws {
        let request = try ImportExportJobRequest(json: try JSONValue(parsing: #"{"type":"export","outputBlobContainerUri":"https://localhost/exp?sig=a"}"#))
        let running = ImportExportJob(jobID: "j-running", request: request, createdTime: clock.now(), status: .running, startTime: clock.now())
        try await withHarness(loaded: [running]) { h in
            await #expect(throws: HubError.jobQuotaExceeded("Import/export job 'j-running' is running; a hub runs one import/export job at a time.")) {
                try await h.jobs.create(request)
            }
            await #expect(throws: HubError.jobNotFound(jobID: "nope")) { try await h.jobs.job("nope") }
            // Cancelled, it makes room; cancelling again changes nothing.
            let cancelled = try await h.jobs.cancel("j-running")
            #expect(cancelled.status == .cancelled)
            #expect(try await h.jobs.cancel("j-running") == cancelled)
            h.clock.advance(seconds: 1)
            let next = try await h.run(#"{"type":"export","outputBlobContainerUri":"\#(h.containerURL("exp"))"}"#)
            #expect(next.status == .completed)
            #expect(await h.jobs.list().map(\.jobID) == ["j-running", next.jobID])
            #expect(try await h.store.loadImportExportJobs().count == 2)
        }
    }

    @Test func pastJobsKeptMaxTheOldestFinishedJobsGo() async throws {
        var limits = ImportExportLimits()
        limits.jobsKeptMax = 2
        try await withHarness(limits: limits) { h in
            var ids: [String] = []
            for _ in 0..<3 {
                h.clock.advance(seconds: 1)
                ids.append(try await h.run(#"{"type":"export","outputBlobContainerUri":"\#(h.containerURL("exp"))"}"#).jobID)
            }
            #expect(await h.jobs.list().map(\.jobID) == Array(ids.suffix(2)))
            #expect(Set(try await h.store.loadImportExportJobs().map(\.jobID)) == Set(ids.suffix(2)))
        }
    }

    @Test func aJobTheNodeStoppedIsMarkedFailedOnRestartAndStaysSo() async throws {
        let request = try ImportExportJobRequest(json: try JSONValue(parsing: #"{"type":"export","outputBlobContainerUri":"https://localhost/exp?sig=a"}"#))
        let interrupted = ImportExportJob(jobID: "j1", request: request, createdTime: clock.now(), status: .running, progress: 40,
                                          startTime: clock.now())
        try await withHarness(loaded: [interrupted]) { h in
            await h.jobs.resume()
            let job = try await h.jobs.job("j1")
            #expect(job.status == .failed && job.progress == 40 && job.endTime != .never)
            #expect(job.failureReason == "The node stopped while the job was running; create the job again.")
            #expect(try await h.store.loadImportExportJobs() == [job])
            // The stored request keeps its SAS; the REST body does not show it.
            #expect(job.request.outputBlobContainerURI.text.contains("sig=a"))
            #expect(job.json["outputBlobContainerUri"] == "https://localhost/exp")
        }
    }
}
