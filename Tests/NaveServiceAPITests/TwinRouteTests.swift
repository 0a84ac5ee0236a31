import Logging
import NaveAuth
import NaveCore
import NaveHTTP
import NaveModel
import NaveTestSupport
import NaveNode
import NaveServiceAPI
import Synchronization
import Testing

/// `/twins/{id}` and `/twins/{id}/modules/{mid}` in process (contract §4.2–§4.4): the service
/// API answered through `respond(to:from:)`, no sockets.
@Suite("Twin routes")
struct TwinRouteTests {
    /// A hub with device `dev1` (module `m1`), its REST API, and signed calls to it.
    struct Fixture {
        let clock = ManualClock()
        let registry: IdentityRegistry
        let twins: DeviceTwins
        let api: ServiceAPI

        init() async throws {
            registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SystemRandom())
            let hub = try await Hub.inMemory(registry: registry, clock: clock, scheduler: ManualScheduler(), random: SystemRandom(),
                                             telemetry: InMemoryTelemetrySink(clock: clock))
            twins = hub.twins
            api = ServiceAPI(hub: hub, logger: Logger(label: "twin-route-tests"))
            _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
            _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        }

        /// One request signed with `policy`'s primary key, as the service SDK signs it.
        func call(_ method: String, _ path: String, body: String? = nil, ifMatch: String? = nil,
                  policy: String = "iothubowner") async throws -> HTTPResponse {
            let key = try #require(registry.policy(named: policy)).primaryKey
            var headers: HTTPHeaders = [
                "Authorization": try SASToken.serviceToken(hostName: "localhost", keyName: policy, key: key,
                                                           expiry: clock.now().secondsSinceEpoch + 3600),
                "Accept": "application/json",
            ]
            if body != nil { headers.add(name: "Content-Type", value: "application/json; charset=utf-8") }
            if let ifMatch { headers.add(name: "If-Match", value: ifMatch) }
            let head = HTTPRequestHead(method: method, target: path + "?api-version=2021-04-12", headers: headers)
            return await api.respond(to: HTTPRequest(head: head, body: Array((body ?? "").utf8)), from: HTTPPeer())
        }
    }

    /// A connected device that records what the hub delivers.
    final class Recorder: LiveConnection {
        let patches = Mutex<[String]>([])
        func revoke(_ reason: RevocationReason) {}
        func deliver(_ delivery: DeviceDelivery) {
            if case .desiredPropertiesPatch(_, let body) = delivery {
                patches.withLock { $0.append(String(decoding: body, as: UTF8.self)) }
            }
        }
    }

    static func json(_ response: HTTPResponse) throws -> JSONValue { try JSONValue(parsing: response.body) }

    @Test("GET: the Twin with etag, versions and metadata, and the etag quoted in ETag")
    func get() async throws {
        let hub = try await Fixture()
        let response = try await hub.call("GET", "/twins/dev1")
        #expect(response.status == 200)
        #expect(response.headers["ETag"] == "\"AAAAAAAAAAE=\"")
        let twin = try Self.json(response)
        #expect(twin["deviceId"] == "dev1" && twin["etag"] == "AAAAAAAAAAE=" && twin["version"] == 1)
        #expect(twin["properties"]?["desired"]?["$version"] == 1 && twin["properties"]?["reported"]?["$version"] == 1)
        #expect(twin["properties"]?["desired"]?["$metadata"]?["$lastUpdated"] != nil)
    }

    @Test("PATCH merges tags and desired, pushes the delta with $version to the device, and follows If-Match")
    func patch() async throws {
        let hub = try await Fixture()
        let device = Recorder()
        hub.registry.connections.register(device, as: IdentityKey(deviceID: "dev1"), at: hub.clock.now())
        let first = try await hub.call("PATCH", "/twins/dev1", body: #"{"tags":{"loc":"x"},"properties":{"desired":{"a":2}}}"#,
                                       ifMatch: "\"AAAAAAAAAAE=\"")
        #expect(first.status == 200 && first.headers["ETag"] == "\"AAAAAAAAAAI=\"")
        let second = try await hub.call("PATCH", "/twins/dev1", body: #"{"properties":{"desired":{"a":null,"b":{"c":1}}}}"#,
                                        ifMatch: "W/\"AAAAAAAAAAI=\"")
        let twin = try Self.json(second)
        #expect(twin["tags"] == ["loc": "x"] && twin["version"] == 3)
        #expect(twin["properties"]?["desired"]?["b"] == ["c": 1] && twin["properties"]?["desired"]?["a"] == nil)
        #expect(device.patches.withLock { $0 } == [#"{"a":2,"$version":2}"#, #"{"b":{"c":1},"a":null,"$version":3}"#])

        let stale = try await hub.call("PATCH", "/twins/dev1", body: #"{"tags":{"n":1}}"#, ifMatch: "\"AAAAAAAAAAI=\"")
        #expect(stale.status == 412 && stale.headers[HubError.errorCodeHeaderName] == "PreconditionFailed")
        let anyEtag = try await hub.call("PATCH", "/twins/dev1", body: #"{"tags":{"n":1}}"#, ifMatch: "\"*\"")
        #expect(anyEtag.status == 200)
    }

    @Test("PUT replaces tags and desired and keeps reported")
    func put() async throws {
        let hub = try await Fixture()
        _ = try await hub.call("PATCH", "/twins/dev1", body: #"{"tags":{"loc":"x"},"properties":{"desired":{"interval":5}}}"#)
        _ = try await hub.twins.deviceUpdateReported(IdentityKey(deviceID: "dev1"), patch: Array(#"{"fw":"1"}"#.utf8))
        let response = try await hub.call("PUT", "/twins/dev1", body: #"{"properties":{"desired":{"b":1}}}"#, ifMatch: "\"*\"")
        #expect(response.status == 200)
        let twin = try Self.json(response)
        #expect(twin["tags"] == [:] && twin["properties"]?["desired"]?["b"] == 1 && twin["properties"]?["desired"]?["interval"] == nil)
        #expect(twin["properties"]?["reported"]?["fw"] == "1")
    }

    @Test("module twins have their own routes, versions and moduleId")
    func moduleTwin() async throws {
        let hub = try await Fixture()
        let patched = try await hub.call("PATCH", "/twins/dev1/modules/m1", body: #"{"properties":{"desired":{"m":true}}}"#)
        #expect(patched.status == 200)
        let twin = try Self.json(patched)
        #expect(twin["moduleId"] == "m1" && twin["version"] == 2)
        #expect(try Self.json(try await hub.call("GET", "/twins/dev1"))["version"] == 1)
    }

    @Test("unknown devices are 404 DeviceNotFound, unknown modules 404 ModuleNotFound",
          arguments: [("GET", nil), ("PATCH", #"{"tags":{"a":1}}"#), ("PUT", "{}")] as [(String, String?)])
    func notFound(method: String, body: String?) async throws {
        let hub = try await Fixture()
        let device = try await hub.call(method, "/twins/nope", body: body)
        #expect(device.status == 404 && device.headers[HubError.errorCodeHeaderName] == "DeviceNotFound")
        let module = try await hub.call(method, "/twins/dev1/modules/nope", body: body)
        #expect(module.status == 404 && module.headers[HubError.errorCodeHeaderName] == "ModuleNotFound")
    }

    static let badBodies: [String] = [
        "", "{", "[]", #"{"properties":{"reported":{"fw":"x"}}}"#, #"{"tags":"x"}"#,
        #"{"properties":{"desired":{"a.b":1}}}"#, #"{"tags":{"$t":1}}"#,
        #"{"properties":{"desired":"# + String(repeating: #"{"a":"#, count: 12) + "1" + String(repeating: "}", count: 14),
        #"{"properties":{"desired":{"# + (0..<9).map { #""k\#($0)":""# + String(repeating: "x", count: 4000) + "\"" }.joined(separator: ",") + "}}}",
    ]

    @Test("bodies that are not JSON, set reported properties or break the twin rules are 400 ArgumentInvalid",
          arguments: badBodies)
    func badBody(body: String) async throws {
        let hub = try await Fixture()
        for method in ["PATCH", "PUT"] {
            let response = try await hub.call(method, "/twins/dev1", body: body)
            #expect(response.status == 400 && response.headers[HubError.errorCodeHeaderName] == "ArgumentInvalid", "\(method)")
        }
        #expect(try Self.json(try await hub.call("GET", "/twins/dev1"))["version"] == 1)
    }

    @Test("reads need RegistryRead, writes ServiceConnect; DELETE is 405; no twin service is 503")
    func rightsAndMethods() async throws {
        let hub = try await Fixture()
        #expect(try await hub.call("GET", "/twins/dev1", policy: "registryRead").status == 200)
        #expect(try await hub.call("PATCH", "/twins/dev1", body: "{}", policy: "registryReadWrite").status == 401)
        #expect(try await hub.call("PATCH", "/twins/dev1", body: #"{"tags":{"a":1}}"#, policy: "service").status == 200)
        #expect(try await hub.call("GET", "/twins/dev1", policy: "service").status == 401)
        #expect(try await hub.call("DELETE", "/twins/dev1").status == 405)
    }
}
