import Foundation
import NaveAuth
import NaveCore
import NaveModel
import Testing

/// Routing, api-version and authorisation on the REST surface, and Nave's `/policies` routes,
/// in process (contract §4.1, §4.5).
@Suite("Service API: routes and access")
struct ServiceAPIAccessTests {
    @Test("routing errors: no api-version 400, unknown path 404, unserved method 405 — all in IoT Hub's shape")
    func routing() async throws {
        let fixture = try await APIFixture.make()
        let cases: [(String, String, String?, Int, Int, String)] = [
            ("GET", "/devices", nil, 400, 400_004, "no query"),
            ("GET", "/devices", "top=1", 400, 400_004, "a query without api-version"),
            ("GET", "/nowhere", apiVersion, 404, 404_000, "unknown path"),
            ("GET", "/devices/dev1/twin/extra", apiVersion, 404, 404_000, "too deep"),
            ("GET", "/", apiVersion, 404, 404_000, "root"),
            ("PATCH", "/devices/dev1", apiVersion, 405, 405_000, "PATCH on a device"),
            ("DELETE", "/statistics/devices", apiVersion, 405, 405_000, "DELETE on statistics"),
            ("PUT", "/devices", apiVersion, 405, 405_000, "PUT on the collection"),
            ("GET", "/policies/iothubowner", apiVersion, 405, 405_000, "GET on one policy"),
        ]
        for (method, path, query, status, code, comment) in cases {
            let reply = try await fixture.send(method, path, query: query)
            #expect(reply.status == status, "\(comment)")
            #expect(reply.errorCode == code, "\(comment)")
            #expect(reply.errorName != nil, "\(comment): iothub-errorcode header")
        }
    }

    @Test("401 IotHubUnauthorizedAccess: no header, a bad signature, another hub, an expired token, too few rights")
    func unauthorised() async throws {
        let fixture = try await APIFixture.make()
        let owner = try fixture.authorization()
        let forged = owner.replacingOccurrences(of: "sig=", with: "sig=A")
        let expired = try SASToken.serviceToken(hostName: "localhost", keyName: "iothubowner",
                                                key: try #require(fixture.registry.policy(named: "iothubowner")).primaryKey,
                                                expiry: APIFixture.now - 1)
        let cases: [(String, String, String?, String)] = [
            ("GET", "/devices", nil, "no Authorization header"),
            ("GET", "/devices", forged, "a forged signature"),
            ("GET", "/devices", expired, "an expired token"),
            ("GET", "/devices", try fixture.authorization(host: "otherhub"), "a token for another hub"),
            ("PUT", "/devices/dev1", try fixture.authorization(policy: "registryRead"), "registryRead writing"),
            ("DELETE", "/devices/dev1", try fixture.authorization(policy: "registryRead"), "registryRead deleting"),
            ("POST", "/devices", try fixture.authorization(policy: "registryRead"), "registryRead bulk"),
            ("GET", "/devices", try fixture.authorization(policy: "service"), "service reading the registry"),
            ("GET", "/statistics/service", try fixture.authorization(policy: "registryReadWrite"), "registryReadWrite reading service statistics"),
        ]
        for (method, path, token, comment) in cases {
            let reply = try await fixture.send(method, path, body: method == "GET" || method == "DELETE" ? nil : "{}",
                                               authorization: .some(token))
            #expect(reply.status == 401, "\(comment)")
            #expect(reply.errorCode == 401_002 && reply.errorName == "IotHubUnauthorizedAccess", "\(comment)")
        }
        #expect(fixture.registry.devices().isEmpty)
        let read = try await fixture.send("GET", "/devices", authorization: .some(try fixture.authorization(policy: "registryRead")))
        #expect(read.status == 200, "registryRead may read")
        let port = try await fixture.send("GET", "/statistics/devices", authorization: .some(try fixture.authorization(host: "localhost:8443")))
        #expect(port.status == 200, "the SDK's sr carries the port of HostName=localhost:8443")
    }

    @Test("/policies with iothubowner: list, create, regenerate, swap, delete")
    func policies() async throws {
        let fixture = try await APIFixture.make()
        let list = try await fixture.send("GET", "/policies")
        #expect(list.status == 200)
        #expect(list.array?.compactMap { $0["keyName"] as? String } == ["device", "iothubowner", "registryRead", "registryReadWrite", "service"])
        let owner = list.array?.first { $0["keyName"] as? String == "iothubowner" }
        #expect(owner?["primaryKey"] as? String == fixture.registry.policy(named: "iothubowner")?.primaryKey)
        #expect(owner?["rights"] as? String == "RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect")

        let created = try await fixture.send("PUT", "/policies/ops", body: #"{"rights":"registryread, ServiceConnect"}"#)
        #expect(created.status == 200)
        #expect(created["keyName"] as? String == "ops" && created["rights"] as? String == "RegistryRead, ServiceConnect")
        let opsToken = try fixture.authorization(policy: "ops")
        #expect(try await fixture.send("GET", "/statistics/service", authorization: .some(opsToken)).status == 200, "the new policy signs")
        let twice = try await fixture.send("PUT", "/policies/ops", body: #"{"rights":"RegistryRead"}"#)
        #expect(twice.status == 409 && twice.errorName == "SharedAccessPolicyAlreadyExists")
        for body in [#"{"rights":"Everything"}"#, #"{"rights":""}"#, "{}", "not json"] {
            let bad = try await fixture.send("PUT", "/policies/bad", body: body)
            #expect(bad.status == 400 && bad.errorCode == 400_004, "\(body)")
        }

        let oldSecondary = created["secondaryKey"] as? String
        let renewed = try await fixture.send("POST", "/policies/ops/regenerateKey", query: "key=secondary&\(apiVersion)")
        #expect(renewed.status == 200 && renewed["primaryKey"] as? String == created["primaryKey"] as? String)
        #expect(renewed["secondaryKey"] as? String != oldSecondary)
        let swapped = try await fixture.send("POST", "/policies/ops/regenerateKey", query: "key=swap&\(apiVersion)")
        #expect(swapped["primaryKey"] as? String == renewed["secondaryKey"] as? String)
        #expect(try await fixture.send("GET", "/statistics/service", authorization: .some(opsToken)).status == 200,
                "after a swap the first primary key is the secondary, and still signs")
        _ = try await fixture.send("POST", "/policies/ops/regenerateKey", query: "key=secondary&\(apiVersion)")
        #expect(try await fixture.send("GET", "/statistics/service", authorization: .some(opsToken)).status == 401,
                "once replaced, the first primary key no longer signs")
        let badSlot = try await fixture.send("POST", "/policies/ops/regenerateKey", query: "key=tertiary&\(apiVersion)")
        #expect(badSlot.status == 400 && badSlot.errorCode == 400_004)
        let unknown = try await fixture.send("POST", "/policies/ghost/regenerateKey", query: apiVersion)
        #expect(unknown.status == 404 && unknown.errorName == "SharedAccessPolicyNotFound")

        let deleted = try await fixture.send("DELETE", "/policies/ops")
        #expect(deleted.status == 204 && deleted.body.isEmpty)
        #expect(fixture.registry.policy(named: "ops") == nil)
        #expect(try await fixture.send("DELETE", "/policies/ops").status == 404)
    }

    @Test("/policies is refused to policies below owner rights (registryRead, registryReadWrite, service)")
    func policiesNeedOwner() async throws {
        let fixture = try await APIFixture.make()
        for policy in ["registryRead", "registryReadWrite", "service", "device"] {
            let token = try fixture.authorization(policy: policy)
            let requests: [(String, String, String?, String)] = [
                ("GET", "/policies", nil, apiVersion),
                ("PUT", "/policies/mine", #"{"rights":"RegistryRead"}"#, apiVersion),
                ("POST", "/policies/iothubowner/regenerateKey", nil, "key=primary&\(apiVersion)"),
                ("DELETE", "/policies/iothubowner", nil, apiVersion),
            ]
            for (method, path, body, query) in requests {
                let reply = try await fixture.send(method, path, query: query, body: body, authorization: .some(token))
                #expect(reply.status == 401 && reply.errorCode == 401_002, "\(policy) \(method) \(path)")
                #expect(!String(decoding: reply.body, as: UTF8.self).contains(fixture.registry.policy(named: "iothubowner")!.primaryKey))
            }
        }
        #expect(fixture.registry.policies.count == 5, "nothing was created or deleted")
        #expect(fixture.registry.policy(named: "mine") == nil)
    }

    @Test("tracking ids differ from one error to the next")
    func trackingIDs() async throws {
        let fixture = try await APIFixture.make()
        let first = try await fixture.send("GET", "/devices/ghost").errorDetail?["trackingId"] as? String
        let second = try await fixture.send("GET", "/devices/ghost").errorDetail?["trackingId"] as? String
        #expect(first != nil && first != second)
    }
}
