import NaveModel
import Testing

/// `PUT /jobs/v2/{id}` bodies (reference §3.2): what is accepted as the SDK sends it, and every
/// refusal, 400004 with a message naming the member.
@Suite("Job requests")
struct JobRequestTests {
    static let now = Timestamp(secondsSinceEpoch: 1_700_000_000)
    static let twin = #""updateTwin":{"properties":{"desired":{"fw":"2"}}}"#

    static func parse(_ body: String, id: String = "j1") throws(HubError) -> JobRequest {
        let json: JSONValue
        do { json = try JSONValue(parsing: Array(body.utf8)) } catch { throw .invalidJSON(error) }
        return try JobRequest(json: json, pathJobID: id, now: now)
    }

    @Test("the SDK's bodies as observed (§3.2): method and twin jobs, microsecond startTime, defaults")
    func sdkBodies() throws {
        let method = try Self.parse(#"""
            {"jobId":"j1","type":"scheduleDeviceMethod",
             "cloudToDeviceMethod":{"methodName":"reboot","payload":{"delay":1},"responseTimeoutInSeconds":30},
             "queryCondition":"deviceId IN ['d1']","startTime":"2024-01-01T00:00:00.000Z","maxExecutionTimeInSeconds":60}
            """#)
        #expect(method.type == .scheduleDeviceMethod && method.maxExecutionTimeSeconds == 60)
        #expect(method.method == JobMethodCall(methodName: "reboot", payload: ["delay": .integer(1)], responseTimeoutSeconds: 30))
        #expect(method.startTime == Timestamp(iso8601: "2024-01-01T00:00:00Z"))
        let twin = try Self.parse(#"""
            {"jobId":"j1","type":"scheduleUpdateTwin","updateTwin":{"tags":{"env":"x"},"properties":{"desired":{"fw":"2.0"}},"etag":"*"},
             "queryCondition":"tags.env = 'test'","startTime":"2026-12-07T02:04:59.871825Z"}
            """#)
        #expect(twin.twinPatch == JobTwinPatch(update: TwinUpdate(tags: ["env": .string("x")], desired: ["fw": .string("2.0")])))
        #expect(twin.maxExecutionTimeSeconds == 3600, "the default when absent")
        #expect(twin.startTime.millisecondsSinceEpoch % 1000 == 871)
        let defaults = try Self.parse(#"{"type":"scheduleUpdateTwin","queryCondition":"*",\#(Self.twin)}"#)
        #expect(defaults.jobID == "j1" && defaults.startTime == Self.now && defaults.twinPatch?.etag == "*")
        let etag = try Self.parse(#"{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"tags":{"a":1},"etag":"AAAAAAAAAAE="}}"#)
        #expect(etag.twinPatch?.etag == "AAAAAAAAAAE=")
    }

    @Test("what is stored reads back as the same request")
    func roundTrip() throws {
        let request = try Self.parse(#"""
            {"type":"scheduleDeviceMethod","cloudToDeviceMethod":{"methodName":"m","payload":[1,"x",null],"connectTimeoutInSeconds":5},
             "queryCondition":"*","startTime":"2030-01-02T03:04:05.678Z","maxExecutionTimeInSeconds":7}
            """#)
        #expect(try JobRequest(json: request.json, pathJobID: "j1", now: .never) == request)
        let twin = try Self.parse(#"{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"tags":{"a":{"b":null}},"etag":"e"}}"#)
        #expect(try JobRequest(json: twin.json, pathJobID: "j1", now: .never) == twin)
    }

    @Test("refused bodies, each with ArgumentInvalid and a message naming the member", arguments: [
        (#"[]"#, "j1", "The request body must be a JSON object."),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*",\#(twin)}"#, "a b", "The job id must be"),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*",\#(twin)}"#, String(repeating: "j", count: 65), "The job id must be"),
        (#"{"jobId":"other","type":"scheduleUpdateTwin","queryCondition":"*",\#(twin)}"#, "j1", "differs from the job id in the path"),
        (#"{"queryCondition":"*",\#(twin)}"#, "j1", "type is required."),
        (#"{"type":"export","queryCondition":"*",\#(twin)}"#, "j1", "type must be one of scheduleUpdateTwin, scheduleDeviceMethod."),
        (#"{"type":"scheduleUpdateTwin",\#(twin)}"#, "j1", "queryCondition is required."),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"",\#(twin)}"#, "j1", "queryCondition is required."),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"\#(String(repeating: "x", count: 8193))",\#(twin)}"#, "j1",
         "queryCondition has 8193 bytes"),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","startTime":"tomorrow",\#(twin)}"#, "j1", "startTime must be an ISO 8601"),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","maxExecutionTimeInSeconds":0,\#(twin)}"#, "j1",
         "maxExecutionTimeInSeconds must be 1...2592000."),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","maxExecutionTimeInSeconds":1.5,\#(twin)}"#, "j1",
         "maxExecutionTimeInSeconds must be an integer."),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*"}"#, "j1", "updateTwin is required."),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"etag":"*"}}"#, "j1", "updateTwin must set tags or"),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"properties":{"reported":{"a":1}}}}"#, "j1",
         "properties.reported cannot be set"),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"tags":{"a:b":1}}}"#, "j1",
         "updateTwin.tags has a member named 'a:b'"),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"properties":{"desired":{"x":{"(y)":1}}}}}"#, "j1",
         "updateTwin.properties.desired has a member named '(y)'"),
        (#"{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"tags":{"a.b":1}}}"#, "j1", "tags has a member named 'a.b'"),
        (#"{"type":"scheduleDeviceMethod","queryCondition":"*"}"#, "j1", "cloudToDeviceMethod is required."),
        (#"{"type":"scheduleDeviceMethod","queryCondition":"*","cloudToDeviceMethod":{}}"#, "j1",
         "cloudToDeviceMethod.methodName is required."),
        (#"{"type":"scheduleDeviceMethod","queryCondition":"*","cloudToDeviceMethod":{"methodName":"m","responseTimeoutInSeconds":4}}"#,
         "j1", "cloudToDeviceMethod.responseTimeoutInSeconds must be 5...300."),
        (#"{"type":"scheduleDeviceMethod","queryCondition":"*","cloudToDeviceMethod":{"methodName":"m","connectTimeoutInSeconds":301}}"#,
         "j1", "cloudToDeviceMethod.connectTimeoutInSeconds must be 0...300."),
    ])
    func refused(body: String, id: String, message: String) {
        let error = #expect(throws: HubError.self) { try Self.parse(body, id: id) }
        #expect(error?.code == 400_004)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test("job ids: letters, digits and '-' up to 64")
    func jobIDs() {
        #expect(JobRequest.isValidJobID("job-01-A") && JobRequest.isValidJobID(String(repeating: "a", count: 64)))
        for bad in ["", "a_b", "a.b", "é", "a b", String(repeating: "a", count: 65)] { #expect(!JobRequest.isValidJobID(bad), "\(bad)") }
    }

    @Test("JobResponse and devices.jobs rows carry IoT Hub's field names")
    func responseJSON() throws {
        let request = try Self.parse(#"{"type":"scheduleUpdateTwin","queryCondition":"*",\#(Self.twin)}"#)
        var record = JobRecord(request: request, createdTime: Self.now, status: .running, runStartTime: Self.now)
        var statistics = DeviceJobStatistics()
        statistics.deviceCount = 2
        statistics.count(.completed)
        statistics.count(.pending)
        var json = record.json(statistics: statistics)
        #expect(json["endTime"] == nil, "only once finished")
        #expect(json["deviceJobStatistics"] == ["deviceCount": .integer(2), "failedCount": .integer(0), "succeededCount": .integer(1),
                                                 "runningCount": .integer(0), "pendingCount": .integer(1)])
        record.status = .completed
        record.endTime = Timestamp(secondsSinceEpoch: 1_700_000_005)
        json = record.json(statistics: statistics)
        #expect(json["endTime"] == .string("2023-11-14T22:13:25Z") && json["status"] == .string("completed"))
        let row = DeviceJobRecord(jobID: "j1", key: IdentityKey(deviceID: "d1", moduleID: "m1"), status: .failed, createdTime: Self.now,
                                  error: .deviceNotOnline).json(jobType: .scheduleDeviceMethod)
        #expect(row["moduleId"] == .string("m1") && row["jobType"] == .string("scheduleDeviceMethod"))
        #expect(row["error"] == ["code": .string("DeviceNotOnline"), "description": .string("Timed out waiting for device to connect")])
        #expect(row["outcome"] == ["deviceMethodResponse": .null] && row["startTimeUtc"] == .string("0001-01-01T00:00:00Z"))
    }
}
