import Foundation
import NaveCore
import NaveModel
@testable import NaveServiceAPI
import Testing

/// `/jobs/v2/…` in process (reference §3.1, §3.2): the bodies azure-iot-hub's IoTHubJobManager
/// sends and reads, and the errors it gets.
@Suite("Job routes")
struct JobRouteTests {
    static let twinJob = #"{"jobId":"tj1","type":"scheduleUpdateTwin","updateTwin":{"etag":"*","properties":{"desired":{"fw":"2"}}},"queryCondition":"*","maxExecutionTimeInSeconds":60}"#

    static func fixture() async throws -> APIFixture {
        let fixture = try await APIFixture.make()
        for id in ["d1", "d2"] { _ = try await fixture.registry.createDevice(DeviceRequest(deviceID: id)) }
        return fixture
    }

    /// Polls `GET /jobs/v2/{id}` until the job has `status` (bounded).
    static func waitFor(_ fixture: APIFixture, _ id: String, _ status: String) async throws -> Reply {
        for _ in 0..<2_000 {
            let reply = try await fixture.send("GET", "/jobs/v2/\(id)")
            if reply["status"] as? String == status { return reply }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw FixtureError("job \(id) never became \(status)")
    }

    @Test("PUT creates a twin job that runs over '*' and completes; GET shows the full JobResponse")
    func twinJob() async throws {
        let fixture = try await Self.fixture()
        let created = try await fixture.send("PUT", "/jobs/v2/tj1", body: Self.twinJob)
        #expect(created.status == 200)
        #expect(["queued", "running", "completed"].contains(created["status"] as? String ?? ""))
        #expect(created["jobId"] as? String == "tj1" && created["type"] as? String == "scheduleUpdateTwin")
        #expect(created["createdTime"] as? String == "2023-11-14T22:13:20Z" && created["endTime"] == nil)
        let done = try await Self.waitFor(fixture, "tj1", "completed")
        let statistics = try #require(done["deviceJobStatistics"] as? [String: Any])
        #expect(statistics["deviceCount"] as? Int == 2 && statistics["succeededCount"] as? Int == 2 && statistics["failedCount"] as? Int == 0)
        #expect(done["endTime"] as? String != nil && done["maxExecutionTimeInSeconds"] as? Int == 60)
        let twin = try await fixture.send("GET", "/twins/d2")
        #expect(((twin["properties"] as? [String: Any])?["desired"] as? [String: Any])?["fw"] as? String == "2")
    }

    @Test("errors: a body jobId unlike the path's 400, a duplicate 409, an unknown job 404002, an invalid body 400004")
    func errors() async throws {
        let fixture = try await Self.fixture()
        let mismatch = try await fixture.send("PUT", "/jobs/v2/other", body: Self.twinJob)
        #expect(mismatch.status == 400 && mismatch.errorCode == 400_004)
        #expect(try await fixture.send("PUT", "/jobs/v2/tj1", body: Self.twinJob).status == 200)
        let duplicate = try await fixture.send("PUT", "/jobs/v2/tj1", body: Self.twinJob)
        #expect(duplicate.status == 409 && duplicate.errorName == "JobAlreadyExists")
        for (method, path) in [("GET", "/jobs/v2/nope"), ("POST", "/jobs/v2/nope/cancel")] {
            let missing = try await fixture.send(method, path)
            #expect(missing.status == 404 && missing.errorCode == 404_002 && missing.errorName == "JobNotFound")
        }
        #expect(try await fixture.send("PUT", "/jobs/v2/bad", body: "{").errorCode == 400_004)
        #expect(try await fixture.send("DELETE", "/jobs/v2/tj1").status == 405)
        // The service policy (ServiceConnect) may not create jobs; registryRead may list them.
        let service = try await fixture.send("PUT", "/jobs/v2/x", body: Self.twinJob.replacingOccurrences(of: "tj1", with: "x"),
                                             authorization: .some(try fixture.authorization(policy: "service")))
        #expect(service.status == 401)
        let read = try await fixture.send("GET", "/jobs/v2/query", authorization: .some(try fixture.authorization(policy: "registryRead")))
        #expect(read.status == 200)
    }

    @Test("a job scheduled an hour ahead is 'scheduled' and cancels to 'cancelled' without touching twins")
    func scheduleAndCancel() async throws {
        let fixture = try await Self.fixture()
        let later = Self.twinJob.replacingOccurrences(of: "\"queryCondition\"", with: "\"startTime\":\"2023-11-14T23:13:20Z\",\"queryCondition\"")
        let created = try await fixture.send("PUT", "/jobs/v2/tj1", body: later)
        #expect(created["status"] as? String == "scheduled" && created["startTime"] as? String == "2023-11-14T23:13:20Z")
        let cancelled = try await fixture.send("POST", "/jobs/v2/tj1/cancel")
        #expect(cancelled.status == 200 && cancelled["status"] as? String == "cancelled" && cancelled["endTime"] != nil)
        let twin = try await fixture.send("GET", "/twins/d1")
        #expect(((twin["properties"] as? [String: Any])?["desired"] as? [String: Any])?["fw"] == nil)
    }

    @Test("GET /jobs/v2/query filters by jobType and jobStatus and pages with pageSize and continuationToken")
    func query() async throws {
        let fixture = try await Self.fixture()
        let later = Self.twinJob.replacingOccurrences(of: "\"queryCondition\"", with: "\"startTime\":\"2030-01-01T00:00:00Z\",\"queryCondition\"")
        for index in 0..<3 {
            _ = try await fixture.send("PUT", "/jobs/v2/s\(index)", body: later.replacingOccurrences(of: "tj1", with: "s\(index)"))
        }
        _ = try await fixture.send("PUT", "/jobs/v2/tj1", body: Self.twinJob)
        _ = try await Self.waitFor(fixture, "tj1", "completed")
        let completed = try await fixture.send("GET", "/jobs/v2/query", query: "jobType=scheduleUpdateTwin&jobStatus=completed&api-version=2021-04-12")
        #expect(completed.status == 200 && completed["type"] as? String == "jobResponse")
        #expect((completed["items"] as? [[String: Any]])?.map { $0["jobId"] as? String } == ["tj1"])
        #expect(completed["continuationToken"] is NSNull)
        var ids: [String] = []
        var token: String?
        repeat {
            let query = "pageSize=2&api-version=2021-04-12" + (token.map { "&continuationToken=\($0)" } ?? "")
            let page = try await fixture.send("GET", "/jobs/v2/query", query: query)
            ids += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["jobId"] as? String }
            token = page["continuationToken"] as? String
        } while token != nil
        #expect(ids == ["s0", "s1", "s2", "tj1"])
        #expect(try await fixture.send("GET", "/jobs/v2/query", query: "jobStatus=done&api-version=2021-04-12").status == 400)
        #expect(try await fixture.send("GET", "/jobs/v2/query", query: "pageSize=0&api-version=2021-04-12").status == 400)
    }

    @Test("import/export routes sit beside /jobs/v2: a hub without a blob store lists none, finds none, refuses a create")
    func importExportRoutesBesideJobsV2() async throws {
        #expect(JobRoute(segments: ["jobs", "create"]) == .createImportExport)
        #expect(JobRoute(segments: ["jobs"]) == .importExportJobs)
        #expect(JobRoute(segments: ["jobs", "abc"]) == .importExportJob("abc"))
        #expect(JobRoute(segments: ["jobs", "v2"]) == nil && JobRoute(segments: ["jobs", "a", "b"]) == nil)
        #expect(JobRoute(segments: ["jobs", "v2", "query"]) == .query && JobRoute(segments: ["jobs", "v2", "create"]) == .job("create"))
        let fixture = try await Self.fixture()
        let listed = try await fixture.send("GET", "/jobs")
        #expect(listed.status == 200 && listed.body == Array("[]".utf8))
        let missing = try await fixture.send("GET", "/jobs/nope")
        #expect(missing.status == 404 && missing.errorCode == 404_002)
        #expect(try await fixture.send("DELETE", "/jobs/nope").status == 404)
        #expect(try await fixture.send("PUT", "/jobs/nope").status == 405)
        let create = try await fixture.send("POST", "/jobs/create", body: #"{"type":"export","outputBlobContainerUri":"https://localhost/exp?sig=a"}"#)
        #expect(create.status == 400 && create.errorCode == 400_004)
        #expect(try await fixture.send("PUT", "/jobs/v2/tj1", body: Self.twinJob).status == 200)
        #expect(try await fixture.send("GET", "/jobs/v2/query").status == 200)
    }
}
