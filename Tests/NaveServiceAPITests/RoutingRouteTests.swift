import Foundation
import NaveCore
import NaveModel
import Testing

/// `/routing/…` in process (issue #15): entries created, listed, replaced and deleted, refusals
/// with the parser's message, the fallback switch, `route test`, and who may change routing.
@Suite("Routing routes")
struct RoutingRouteTests {
    @Test("endpoint, route and enrichment: create, read, list, replace with If-Match, delete")
    func lifecycle() async throws {
        let fixture = try await APIFixture.make()
        let endpoint = try await fixture.send("PUT", "/routing/endpoints/hot", body: #"{"endpointType":"eventhub","settings":{"partitionCount":2}}"#)
        #expect(endpoint.status == 200 && endpoint["name"] as? String == "hot")
        #expect(try await fixture.send("PUT", "/routing/endpoints/hot", body: #"{"endpointType":"eventhub"}"#).status == 409)
        let route = try await fixture.send("PUT", "/routing/routes/crit", body: #"{"source":"devicemessages","condition":"level = 'critical'","endpointNames":["hot"]}"#)
        #expect(route.status == 200 && route["source"] as? String == "DeviceMessages" && route["isEnabled"] as? Bool == true)
        #expect(try await fixture.send("PUT", "/routing/routes/crit", body: #"{"endpointNames":["hot"]}"#).status == 409)
        let replaced = try await fixture.send("PUT", "/routing/routes/crit", body: #"{"endpointNames":["hot"],"isEnabled":false}"#,
                                              headers: [("If-Match", "*")])
        #expect(replaced.status == 200 && replaced["condition"] as? String == "true")
        #expect(try await fixture.send("PUT", "/routing/enrichments/site", body: #"{"value":"$twin.tags.site","endpointNames":["hot"]}"#).status == 200)
        #expect(try await fixture.send("GET", "/routing/routes").array?.count == 1)
        #expect(try await fixture.send("GET", "/routing/routes/crit")["isEnabled"] as? Bool == false)
        #expect(try await fixture.send("GET", "/routing/enrichments/site")["value"] as? String == "$twin.tags.site")
        let whole = try await fixture.send("GET", "/routing")
        #expect((whole["endpoints"] as? [[String: Any]])?.first?["name"] as? String == "hot")
        #expect(try await fixture.send("DELETE", "/routing/endpoints/hot").status == 400, "in use by the route")
        #expect(try await fixture.send("DELETE", "/routing/routes/crit").status == 204)
        #expect(try await fixture.send("DELETE", "/routing/enrichments/site").status == 204)
        #expect(try await fixture.send("DELETE", "/routing/endpoints/hot").status == 204)
        let missing = try await fixture.send("GET", "/routing/endpoints/hot")
        #expect(missing.status == 404 && missing.errorCode == 404_000)
    }

    @Test("refusals: unknown endpoint, a condition that does not parse (the parser's message), a bad source")
    func refusals() async throws {
        let fixture = try await APIFixture.make()
        let unknown = try await fixture.send("PUT", "/routing/routes/r", body: #"{"endpointNames":["nowhere"]}"#)
        #expect(unknown.status == 400 && (unknown.errorDetail?["message"] as? String)?.contains("nowhere") == true)
        let bad = try await fixture.send("PUT", "/routing/routes/r", body: #"{"condition":"level = ","endpointNames":["events"]}"#)
        #expect(bad.status == 400 && (bad.errorDetail?["message"] as? String)?.contains("does not parse") == true)
        #expect(try await fixture.send("PUT", "/routing/routes/r", body: #"{"source":"nope","endpointNames":["events"]}"#).status == 400)
        #expect(try await fixture.send("PUT", "/routing/routes/r", body: #"{"name":"other","endpointNames":["events"]}"#).status == 400)
        #expect(try await fixture.send("GET", "/routing").object?["routes"] as? [Any] != nil)
        #expect((try await fixture.send("GET", "/routing")["routes"] as? [Any])?.isEmpty == true, "nothing was stored")
    }

    @Test("the fallback switch, and route test naming each route's outcome")
    func fallbackAndTest() async throws {
        let fixture = try await APIFixture.make()
        #expect(try await fixture.send("GET", "/routing/fallback")["isEnabled"] as? Bool == true)
        #expect(try await fixture.send("PUT", "/routing/fallback", body: #"{"isEnabled":false}"#)["isEnabled"] as? Bool == false)
        #expect(try await fixture.send("PUT", "/routing/routes/hot", body: #"{"condition":"$body.temp > 25","endpointNames":["events"]}"#).status == 200)
        let test = try await fixture.send("POST", "/routing/test", body: #"{"body":"{\"temp\":30}","contentType":"application/json","contentEncoding":"utf-8","appProperties":{"a":"b"}}"#)
        #expect(test.status == 200)
        #expect((test["routes"] as? [[String: Any]])?.first?["result"] as? String == "matched")
        #expect(test["endpoints"] as? [String] == ["events"])
        let cold = try await fixture.send("POST", "/routing/test", body: #"{"body":"{\"temp\":3}","contentType":"application/json","contentEncoding":"utf-8"}"#)
        #expect((cold["routes"] as? [[String: Any]])?.first?["result"] as? String == "conditionFalse")
        #expect(cold["endpoints"] as? [String] == [], "fallback off: nowhere")
    }

    @Test("reading routing takes RegistryRead; changing it takes an owner's rights")
    func rights() async throws {
        let fixture = try await APIFixture.make()
        let service = try fixture.authorization(policy: "service")
        #expect(try await fixture.send("PUT", "/routing/fallback", body: #"{"isEnabled":false}"#, authorization: .some(service)).status == 401)
        let registryRead = try fixture.authorization(policy: "registryRead")
        #expect(try await fixture.send("GET", "/routing", authorization: .some(registryRead)).status == 200)
    }
}
