import NaveAuth
import NaveCore
import NaveHTTP
import NaveModel
import Testing

/// The HTTPS device API in process (contract §2): telemetry and C2D receive, complete, reject
/// and abandon, each authenticated by the device's own SAS token.
@Suite("Device messaging routes")
struct DeviceMessagingRouteTests {
    typealias Fixture = CloudToDeviceRouteTests.Fixture

    @Test("GET deviceBound: 204 when empty, else the body with ETag, system, ack and application headers")
    func receive() async throws {
        let hub = try await Fixture()
        let token = try hub.deviceToken("dev1")
        #expect(await hub.deviceCall("GET", "/devices/dev1/messages/deviceBound", authorization: token).status == 204)
        try await hub.queues.send(to: IdentityKey(deviceID: "dev1"), message: DeviceMessage(
            body: Array(#"{"cmd":"on"}"#.utf8),
            systemProperties: [MessageProperty("$.mid", "c2d-1"), MessageProperty("$.cid", "corr-9"),
                               MessageProperty("$.ct", "application/json"), MessageProperty("$.ce", "utf-8")],
            applicationProperties: [MessageProperty("iothub-ack", "full"), MessageProperty("color", "dark red"),
                                    MessageProperty("sp ace", "line\nbreak")]))
        let response = await hub.deviceCall("GET", "/devices/dev1/messages/devicebound", authorization: token)
        #expect(response.status == 200)
        #expect(response.body == Array(#"{"cmd":"on"}"#.utf8))
        let headers = response.headers
        let etag = try #require(headers["ETag"])
        #expect(etag.count == 38 && etag.hasPrefix("\""))
        #expect(headers["iothub-messageid"] == "c2d-1" && headers["iothub-correlationid"] == "corr-9")
        #expect(headers["iothub-ack"] == "full" && headers["iothub-deliverycount"] == "1")
        #expect(headers["iothub-to"] == "/devices/dev1/messages/deviceBound")
        #expect(headers["Content-Type"] == "application/json" && headers["iothub-contentencoding"] == "utf-8")
        #expect(headers["iothub-app-color"] == "dark red")
        #expect(headers["iothub-app-sp%20ace"] == "line%0Abreak")
        // Locked: the next receive finds nothing; the lock token completes it.
        #expect(await hub.deviceCall("GET", "/devices/dev1/messages/deviceBound", authorization: token).status == 204)
        let completed = await hub.deviceCall("DELETE", "/devices/dev1/messages/deviceBound/\(etag.dropFirst().dropLast())",
                                             authorization: token)
        #expect(completed.status == 204)
        #expect(await hub.queues.pendingCount(IdentityKey(deviceID: "dev1")) == 0)
        let again = await hub.deviceCall("DELETE", "/devices/dev1/messages/deviceBound/\(etag.dropFirst().dropLast())",
                                         authorization: token)
        #expect(again.status == 412)
    }

    @Test("DELETE …?reject rejects with Rejected feedback; POST …/abandon redelivers with the count raised")
    func rejectAndAbandon() async throws {
        let hub = try await Fixture()
        let token = try hub.deviceToken("dev1")
        _ = try await hub.call("POST", "/messages/devicebound/dev1", body: #"{"body":"a","properties":{"messageId":"ma","iothub-ack":"negative"}}"#)
        _ = try await hub.call("POST", "/messages/devicebound/dev1", body: #"{"body":"b"}"#)
        let first = await hub.deviceCall("GET", "/devices/dev1/messages/deviceBound", authorization: token)
        let firstLock = String(try #require(first.headers["ETag"]).dropFirst().dropLast())
        #expect(await hub.deviceCall("POST", "/devices/dev1/messages/deviceBound/\(firstLock)/abandon", authorization: token).status == 204)
        let retried = await hub.deviceCall("GET", "/devices/dev1/messages/deviceBound", authorization: token)
        #expect(retried.body == Array("a".utf8) && retried.headers["iothub-deliverycount"] == "2")
        let retriedLock = String(try #require(retried.headers["ETag"]).dropFirst().dropLast())
        let rejected = await hub.deviceCall("DELETE", "/devices/dev1/messages/deviceBound/\(retriedLock)",
                                            authorization: token, query: "reject&")
        #expect(rejected.status == 204)
        let next = await hub.deviceCall("GET", "/devices/dev1/messages/deviceBound", authorization: token)
        #expect(next.body == Array("b".utf8))
        try await hub.queues.flush()
        let feedback = try await hub.call("GET", "/messages/serviceBound/feedback")
        let record = try #require(CloudToDeviceRouteTests.json(feedback).arrayValue?.first)
        #expect(record["statusCode"] == "Rejected" && record["originalMessageId"] == "ma")
    }

    @Test("a device reaches only its own resources: another device's, a policy's, an expired or no token is 401")
    func deviceAuthentication() async throws {
        let hub = try await Fixture()
        _ = try await hub.call("POST", "/messages/devicebound/dev1", body: #"{"body":"secret"}"#)
        let policyKey = try #require(hub.registry.policy(named: "iothubowner")).primaryKey
        let refused: [String?] = [
            nil, try hub.deviceToken("dev2"), try hub.deviceToken("dev1", secondsValid: -10), "SharedAccessSignature garbage",
            try SASToken.serviceToken(hostName: "localhost", keyName: "iothubowner", key: policyKey, expiry: hub.clock.now().secondsSinceEpoch + 60),
        ]
        for authorization in refused {
            for (method, path) in [("GET", "/devices/dev1/messages/deviceBound"), ("POST", "/devices/dev1/messages/events"),
                                   ("DELETE", "/devices/dev1/messages/deviceBound/x"), ("POST", "/devices/dev1/messages/deviceBound/x/abandon")] {
                let response = await hub.deviceCall(method, path, authorization: authorization)
                #expect(response.status == 401, "\(method) \(path)")
            }
        }
        #expect(await hub.queues.pendingCount(IdentityKey(deviceID: "dev1")) == 1)
        _ = try await hub.registry.updateDevice(DeviceRequest(deviceID: "dev1", status: .disabled,
                                                              authentication: try #require(hub.registry.device("dev1")?.authentication)),
                                                ifMatch: "*")
        #expect(await hub.deviceCall("GET", "/devices/dev1/messages/deviceBound", authorization: try hub.deviceToken("dev1")).status == 401)
        #expect(await hub.deviceCall("PUT", "/devices/dev1/messages/deviceBound", authorization: try hub.deviceToken("dev1")).status == 405)
    }

    @Test("POST messages/events: 204 once stored, with iothub-* system and iothub-app-* application properties")
    func telemetry() async throws {
        let hub = try await Fixture()
        let headers: HTTPHeaders = [
            "iothub-messageid": "t-1", "iothub-correlationid": "c-1", "Content-Type": "application/json",
            "iothub-contentencoding": "utf-8", "iothub-app-temperature": "21.5", "iothub-app-Alert": "true",
        ]
        let response = await hub.deviceCall("POST", "/devices/dev1/messages/events", authorization: try hub.deviceToken("dev1"),
                                            headers: headers, body: Array(#"{"t":21.5}"#.utf8))
        #expect(response.status == 204)
        // Only telemetry: the harness's identities were lifecycle events.
        var telemetry: [TelemetryEvent] { hub.telemetry.appended.filter { $0.source == .telemetry } }
        let event = try #require(telemetry.first)
        #expect(event.deviceID == "dev1" && event.authMethod == "sas" && hub.telemetry.enqueuedTimes.first == hub.clock.now())
        #expect(event.message.body == Array(#"{"t":21.5}"#.utf8))
        #expect(event.message.systemProperties == [MessageProperty("$.mid", "t-1"), MessageProperty("$.cid", "c-1"),
                                                   MessageProperty("$.ce", "utf-8"), MessageProperty("$.ct", "application/json")])
        #expect(event.message.applicationProperties == [MessageProperty("temperature", "21.5"), MessageProperty("Alert", "true")])
        let large = await hub.deviceCall("POST", "/devices/dev1/messages/events", authorization: try hub.deviceToken("dev1"),
                                         body: Array(repeating: 0x61, count: 256 * 1024 + 1))
        #expect(large.status == 413)
        #expect(telemetry.count == 1)
    }
}
