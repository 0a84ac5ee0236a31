import Logging
import NaveAuth
import NaveCore
import NaveHTTP
import NaveModel
import NaveServiceAPI
import Synchronization
import NaveTestSupport
import Testing

/// `POST /twins/{id}/methods` and `/twins/{id}/modules/{mid}/methods` answered in-process by
/// `ServiceAPI.respond(to:from:)`, with the bodies azure-iot-hub 2.7.0 sends (contract §4.2)
/// and the statuses and IoT Hub error codes it gets back (§4.4, §4.5).
@Suite("REST: direct methods")
struct MethodRouteTests {
    @Test("a device's answer comes back as 200 {status, payload}; the device got the name and payload")
    func deviceMethod() async throws {
        let api = try await MethodAPI()
        let device = api.connect("dev1", answer: (201, #"{"ok":true}"#))
        let response = await api.post("/twins/dev1/methods", #"{"methodName": "reboot", "payload": {"delay": 1}, "responseTimeoutInSeconds": 30, "connectTimeoutInSeconds": 5}"#)
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(try JSONValue(parsing: response.body) == ["status": 201, "payload": ["ok": true]])
        #expect(device.requests.map(\.name) == ["reboot"])
        #expect(device.requests.map { String(decoding: $0.payload, as: UTF8.self) } == [#"{"delay":1}"#])
    }

    @Test("a module method reaches the module; a None payload arrives as \"\" and a null answer is null")
    func moduleMethod() async throws {
        let api = try await MethodAPI()
        let module = api.connect("dev1", "mod1", answer: (200, "null"))
        let response = await api.post("/twins/dev1/modules/mod1/methods", #"{"methodName": "m", "payload": ""}"#)
        #expect(response.status == 200)
        #expect(try JSONValue(parsing: response.body) == ["status": 200, "payload": nil])
        #expect(module.requests.map { String(decoding: $0.payload, as: UTF8.self) } == [#""""#])
    }

    @Test("offline: 404 DeviceNotOnline 404103; unknown: 404001 and 404010")
    func notFoundAndOffline() async throws {
        let api = try await MethodAPI()
        let cases: [(path: String, code: Int64, name: String)] = [
            ("/twins/dev1/methods", 404_103, "DeviceNotOnline"),
            ("/twins/nope/methods", 404_001, "DeviceNotFound"),
            ("/twins/dev1/modules/nope/methods", 404_010, "ModuleNotFound"),
        ]
        for (path, code, name) in cases {
            let response = await api.post(path, #"{"methodName": "reboot"}"#)
            #expect(response.status == 404)
            #expect(response.headers[HubError.errorCodeHeaderName] == name)
            #expect(errorCode(response) == code, "\(path)")
        }
    }

    @Test("no answer within responseTimeoutInSeconds: 504 GatewayTimeout 504101")
    func gatewayTimeout() async throws {
        let api = try await MethodAPI()
        let device = api.connect("dev1", answer: nil)
        let call = Task { await api.post("/twins/dev1/methods", #"{"methodName": "slow", "responseTimeoutInSeconds": 5}"#) }
        for _ in 0..<5_000 where device.requests.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        #expect(device.requests.count == 1)
        api.scheduler.advance(millis: 5_000)
        let response = await call.value
        #expect(response.status == 504)
        #expect(errorCode(response) == 504_101)
        // The SDK read the empty phrase of "HTTP/1.1 504 \r\n" as "invalid status code ''" (#11).
        #expect(statusLine(response) == "HTTP/1.1 504 Gateway Timeout")
    }

    @Test("bad bodies and timeouts are 400 ArgumentInvalid; nothing reaches the device",
          arguments: [
              #"{"methodName": "m", "responseTimeoutInSeconds": 4}"#, #"{"methodName": "m", "responseTimeoutInSeconds": 301}"#,
              #"{"methodName": "m", "connectTimeoutInSeconds": 301}"#, #"{"methodName": "m", "responseTimeoutInSeconds": "30"}"#,
              #"{"payload": {}}"#, #"{"methodName": ""}"#, #"[]"#, #"not json"#,
          ])
    func badRequests(body: String) async throws {
        let api = try await MethodAPI()
        let device = api.connect("dev1", answer: (200, "{}"))
        let response = await api.post("/twins/dev1/methods", body)
        #expect(response.status == 400)
        #expect(errorCode(response) == 400_004)
        #expect(device.requests.isEmpty)
    }

    @Test("a payload over 128 KB is 413 MessageTooLarge")
    func payloadTooLarge() async throws {
        let api = try await MethodAPI()
        api.connect("dev1", answer: (200, "{}"))
        let big = String(repeating: "x", count: 131_072)
        let response = await api.post("/twins/dev1/methods", #"{"methodName": "m", "payload": "\#(big)"}"#)
        #expect(response.status == 413)
        #expect(errorCode(response) == 413_001)
    }

    @Test("calling needs ServiceConnect (registryReadWrite gets 401); only POST is served (405)")
    func rightsAndVerbs() async throws {
        let api = try await MethodAPI()
        api.connect("dev1", answer: (200, "{}"))
        #expect(await api.post("/twins/dev1/methods", #"{"methodName": "m"}"#, policy: "registryReadWrite").status == 401)
        #expect(await api.post("/twins/dev1/methods", #"{"methodName": "m"}"#, policy: "service").status == 200)
        #expect(await api.send("GET", "/twins/dev1/methods").status == 405)
    }
}

/// The inner `errorCode` of IoT Hub's error body (§4.5: a JSON string under `Message`).
private func errorCode(_ response: HTTPResponse) -> Int64? {
    guard let body = try? JSONValue(parsing: response.body), let message = body["Message"]?.stringValue,
          let detail = try? JSONValue(parsing: message) else { return nil }
    return detail["errorCode"]?.int64Value
}

/// A registry with `dev1` and `dev1/mod1`, direct methods on a manual scheduler, and the REST
/// API over them, called with service tokens signed as azure-iot-hub signs them.
private struct MethodAPI {
    let registry: IdentityRegistry
    let clock = ManualClock()
    let scheduler = ManualScheduler()
    let methods: DirectMethods
    let api: ServiceAPI

    init() async throws {
        registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SeededHubRandom())
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "mod1"), ifMatch: nil)
        let hub = try await Hub.inMemory(registry: registry, clock: clock, scheduler: scheduler, random: SeededHubRandom(),
                                         telemetry: InMemoryTelemetrySink(clock: clock))
        methods = hub.methods
        api = ServiceAPI(hub: hub, logger: Logger(label: "test"))
    }

    /// A live connection for the identity that answers every request at once with `answer`,
    /// or keeps it unanswered when nil.
    @discardableResult
    func connect(_ deviceID: String, _ moduleID: String? = nil, answer: (status: Int, payload: String)?) -> AnsweringDevice {
        let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
        let device = AnsweringDevice(key: key, methods: methods, answer: answer)
        registry.connections.register(device, as: key, at: clock.now())
        return device
    }

    func post(_ path: String, _ body: String, policy: String = "iothubowner") async -> HTTPResponse {
        await send("POST", path, body: body, policy: policy)
    }

    func send(_ method: String, _ path: String, body: String = "", policy: String = "iothubowner") async -> HTTPResponse {
        let key = registry.policy(named: policy)!.primaryKey
        let token = try! SASToken.serviceToken(hostName: "localhost", keyName: policy, key: key,
                                               expiry: clock.now().millisecondsSinceEpoch / 1000 + 3600)
        let head = HTTPRequestHead(method: method, target: path + "?api-version=2021-04-12", headers: [
            "Authorization": token, "Content-Type": "application/json; charset=utf-8",
        ])
        return await api.respond(to: HTTPRequest(head: head, body: Array(body.utf8)), from: HTTPPeer())
    }
}

private final class AnsweringDevice: LiveConnection {
    let key: IdentityKey
    let methods: DirectMethods
    let answer: (status: Int, payload: String)?
    private let received = Mutex<[MethodRequest]>([])

    init(key: IdentityKey, methods: DirectMethods, answer: (status: Int, payload: String)?) {
        self.key = key
        self.methods = methods
        self.answer = answer
    }

    var requests: [MethodRequest] { received.withLock { $0 } }

    func revoke(_ reason: RevocationReason) {}

    func deliver(_ delivery: DeviceDelivery) {
        guard case .methodRequest(let request) = delivery else { return }
        received.withLock { $0.append(request) }
        if let answer {
            methods.deviceAnswered(key, requestID: request.requestID, status: answer.status, payload: Array(answer.payload.utf8))
        }
    }
}

