import Logging
import NaveAuth
import NaveCore
import NaveHTTP
import NaveModel
import NaveNode
import NaveServiceAPI
import Testing

/// The cloud-to-device REST resources in process (contract §4.2, §5.4): Nave's send, purge,
/// the device's `cloudToDeviceMessageCount`, and the feedback queue, through
/// `ServiceAPI.respond(to:from:)` with no sockets.
@Suite("Cloud-to-device routes")
struct CloudToDeviceRouteTests {
    /// A hub with devices `dev1` and `dev2`, its C2D queues and REST API, and signed calls.
    struct Fixture {
        let clock = ManualClock()
        let scheduler = ManualScheduler()
        let registry: IdentityRegistry
        let queues: CloudToDeviceQueues
        let telemetry: InMemoryTelemetrySink
        let api: ServiceAPI

        init() async throws {
            registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SystemRandom())
            telemetry = InMemoryTelemetrySink(clock: clock)
            let hub = try await Hub.inMemory(registry: registry, clock: clock, scheduler: scheduler, random: SystemRandom(), telemetry: telemetry)
            queues = hub.cloudToDevice
            api = ServiceAPI(hub: hub, logger: Logger(label: "c2d-route-tests"))
            _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
            _ = try await registry.createDevice(DeviceRequest(deviceID: "dev2"))
        }

        /// A back-end request signed with `policy`'s primary key, as the service SDK signs it.
        func call(_ method: String, _ path: String, body: String? = nil, policy: String = "iothubowner") async throws -> HTTPResponse {
            let key = try #require(registry.policy(named: policy)).primaryKey
            let token = try SASToken.serviceToken(hostName: "localhost", keyName: policy, key: key, expiry: clock.now().secondsSinceEpoch + 3600)
            var headers: HTTPHeaders = ["Authorization": token, "Accept": "application/json"]
            if body != nil { headers.add(name: "Content-Type", value: "application/json; charset=utf-8") }
            let head = HTTPRequestHead(method: method, target: path + "?api-version=2021-04-12", headers: headers)
            return await api.respond(to: HTTPRequest(head: head, body: Array((body ?? "").utf8)), from: HTTPPeer())
        }

        /// A device's SAS token as azure-iot-device signs it (`sr` = `{host}/devices/{id}`).
        func deviceToken(_ deviceID: String, secondsValid: Int64 = 3600) throws -> String {
            let key = try #require(registry.device(deviceID)?.authentication.primaryKey)
            return try SASToken.deviceToken(resourceURI: "localhost/devices/\(deviceID)", key: key,
                                            expiry: clock.now().secondsSinceEpoch + secondsValid)
        }

        /// A device request with `authorization` (default: that device's own token).
        func deviceCall(_ method: String, _ path: String, authorization: String?, headers extra: HTTPHeaders = [:],
                        body: [UInt8] = [], query: String = "") async -> HTTPResponse {
            var headers = extra
            if let authorization { headers.add(name: "Authorization", value: authorization) }
            let head = HTTPRequestHead(method: method, target: path + "?" + query + "api-version=2019-10-01", headers: headers)
            return await api.respond(to: HTTPRequest(head: head, body: body), from: HTTPPeer())
        }
    }

    static func json(_ response: HTTPResponse) throws -> JSONValue { try JSONValue(parsing: response.body) }

    static func errorCode(_ response: HTTPResponse) throws -> Int64? {
        let message = try #require(json(response)["Message"]?.stringValue)
        return try JSONValue(parsing: message)["errorCode"]?.int64Value
    }

    @Test("POST /messages/devicebound/{id} queues a message; the device counts it; purge returns PurgeMessageQueueResult")
    func sendCountPurge() async throws {
        let hub = try await Fixture()
        let sent = try await hub.call("POST", "/messages/devicebound/dev1",
                                      body: #"{"body":"on","properties":{"messageId":"m1","iothub-ack":"full","color":"red"},"ttlSeconds":60}"#)
        #expect(sent.status == 200)
        #expect(try Self.json(sent)["messageId"] == "m1")
        #expect(try Self.json(sent)["cloudToDeviceMessageCount"] == 1)
        #expect(try Self.json(try await hub.call("GET", "/devices/dev1"))["cloudToDeviceMessageCount"] == 1)
        let locked = try #require(await hub.queues.receive(IdentityKey(deviceID: "dev1")))
        #expect(locked.message.body == Array("on".utf8))
        #expect(locked.message.applicationProperties == [MessageProperty("color", "red")])
        #expect(locked.message.systemProperty("iothub-ack") == "full")

        let purged = try await hub.call("DELETE", "/devices/dev1/commands")
        #expect(purged.status == 200)
        #expect(try Self.json(purged) == ["totalMessagesPurged": 1, "deviceId": "dev1", "moduleId": nil])
        #expect(try Self.json(try await hub.call("GET", "/devices/dev1"))["cloudToDeviceMessageCount"] == 0)
        #expect(try Self.json(try await hub.call("DELETE", "/devices/dev1/commands"))["totalMessagesPurged"] == 0)
    }

    @Test("send refusals: unknown device 404001, full queue 403004, bad bodies 400004, oversize 413001")
    func sendRefusals() async throws {
        let hub = try await Fixture()
        let unknown = try await hub.call("POST", "/messages/devicebound/nope", body: #"{"body":"x"}"#)
        #expect(unknown.status == 404)
        #expect(try Self.errorCode(unknown) == 404_001)
        #expect(try await hub.call("DELETE", "/devices/nope/commands").status == 404)
        for _ in 0..<50 { #expect(try await hub.call("POST", "/messages/devicebound/dev1", body: "{}").status == 200) }
        let full = try await hub.call("POST", "/messages/devicebound/dev1", body: "{}")
        #expect(full.status == 403 && full.headers["iothub-errorcode"] == "DeviceMaximumQueueDepthExceeded")
        #expect(try Self.errorCode(full) == 403_004)
        for body in ["not json", #"{"body":1}"#, #"{"properties":{"iothub-ack":"always"}}"#, #"{"body":"a","bodyBase64":"YQ=="}"#,
                     #"{"ttlSeconds":0}"#, #"{"properties":{"messageId":"has space"}}"#] {
            let refused = try await hub.call("POST", "/messages/devicebound/dev2", body: body)
            #expect(refused.status == 400, "\(body)")
        }
        let large = try await hub.call("POST", "/messages/devicebound/dev2", body: #"{"body":"\#(String(repeating: "x", count: 65_537))"}"#)
        #expect(large.status == 413)
    }

    @Test("C2D routes need ServiceConnect; without the queues they answer 503")
    func authorisation() async throws {
        let hub = try await Fixture()
        for (method, path) in [("DELETE", "/devices/dev1/commands"), ("POST", "/messages/devicebound/dev1"),
                               ("GET", "/messages/serviceBound/feedback"), ("DELETE", "/messages/serviceBound/feedback/t"),
                               ("POST", "/messages/serviceBound/feedback/t/abandon")] {
            #expect(try await hub.call(method, path, body: "{}", policy: "registryReadWrite").status == 401, "\(method) \(path)")
            #expect(try await hub.call("PUT", path, body: "{}").status == 405)
        }
    }

    @Test("feedback: 204 when empty; 200 with records, ETag lock token and the feedback content type; complete and abandon")
    func feedback() async throws {
        let hub = try await Fixture()
        #expect(try await hub.call("GET", "/messages/serviceBound/feedback").status == 204)
        _ = try await hub.call("POST", "/messages/devicebound/dev1", body: #"{"body":"x","properties":{"messageId":"m1","iothub-ack":"full"}}"#)
        let device = IdentityKey(deviceID: "dev1")
        try await hub.queues.complete(device, lockToken: try #require(hub.queues.receive(device)).lockToken)

        let batch = try await hub.call("GET", "/messages/serviceBound/feedback")
        #expect(batch.status == 200)
        #expect(batch.headers["Content-Type"] == "application/vnd.microsoft.iothub.feedback.json")
        let etag = try #require(batch.headers["ETag"])
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count == 38)
        let generation = try #require(hub.registry.device("dev1")?.generationID)
        #expect(try Self.json(batch) == [[
            "originalMessageId": "m1", "description": "Success", "deviceGenerationId": .string(generation),
            "deviceId": "dev1", "enqueuedTimeUtc": .string(hub.clock.now().iso8601), "statusCode": "Success",
        ]])
        let token = String(etag.dropFirst().dropLast())
        #expect(try await hub.call("GET", "/messages/serviceBound/feedback").status == 204)
        #expect(try await hub.call("POST", "/messages/serviceBound/feedback/\(token)/abandon").status == 204)
        let again = try await hub.call("GET", "/messages/serviceBound/feedback")
        #expect(again.status == 200)
        let stale = try await hub.call("DELETE", "/messages/serviceBound/feedback/\(token)")
        #expect(stale.status == 412)
        #expect(try Self.errorCode(stale) == 412_002)
        let second = String(try #require(again.headers["ETag"]).dropFirst().dropLast())
        #expect(try await hub.call("DELETE", "/messages/serviceBound/feedback/\(second)").status == 204)
        #expect(try await hub.call("GET", "/messages/serviceBound/feedback").status == 204)
    }
}
