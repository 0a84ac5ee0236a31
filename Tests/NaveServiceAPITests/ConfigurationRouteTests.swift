import Foundation
import NaveCore
import NaveModel
import Testing

/// `/configurations…` in process (reference §4.1, §4.2): the bodies azure-iot-hub's
/// IoTHubConfigurationManager sends and reads, its unquoted `If-Match`, and the errors it gets.
@Suite("Configuration routes")
struct ConfigurationRouteTests {
    static let create = #"""
        {"id":"fw-v2","schemaVersion":"1.0","labels":{"team":"a"},
         "content":{"deviceContent":{"properties.desired.fw":{"version":"2.0"}}},
         "targetCondition":"tags.env='test'","priority":10,
         "metrics":{"queries":{"ok":"SELECT deviceId FROM devices WHERE properties.reported.fw.version='2.0'"}}}
        """#

    static func fixture() async throws -> APIFixture {
        let fixture = try await APIFixture.make()
        _ = try await fixture.registry.createDevice(DeviceRequest(deviceID: "d1"))
        #expect(try await fixture.send("PATCH", "/twins/d1", body: #"{"tags":{"env":"test"}}"#).status == 200)
        return fixture
    }

    @Test("PUT without If-Match creates (201) and applies; GET shows integer metrics; the twin shows its status")
    func createAndRead() async throws {
        let fixture = try await Self.fixture()
        let created = try await fixture.send("PUT", "/configurations/fw-v2", body: Self.create)
        #expect(created.status == 201)
        let etag = try #require(created["etag"] as? String)
        #expect(created.headers["ETag"] == "\"\(etag)\"")
        #expect(created["createdTimeUtc"] as? String == "2023-11-14T22:13:20Z" && created["priority"] as? Int == 10)
        let system = try #require(created["systemMetrics"] as? [String: Any])
        #expect(system["results"] as? [String: Int] == ["targetedCount": 1, "appliedCount": 1])
        #expect((created["metrics"] as? [String: Any])?["results"] as? [String: Int] == ["ok": 0])
        let twin = try await fixture.send("GET", "/twins/d1")
        #expect(((twin["properties"] as? [String: Any])?["desired"] as? [String: Any])?["fw"] as? [String: String] == ["version": "2.0"])
        #expect((twin["configurations"] as? [String: Any])?["fw-v2"] as? [String: String] == ["status": "applied"])
        let read = try await fixture.send("GET", "/configurations/fw-v2")
        #expect(read.status == 200 && read["etag"] as? String == etag)
        let list = try await fixture.send("GET", "/configurations", query: "top=5&api-version=2021-04-12")
        #expect(list.array?.map { $0["id"] as? String } == ["fw-v2"])
    }

    @Test("errors: taken id 409, stale If-Match 412001, unknown 404, content change 400004, bad id 400; DELETE is 204")
    func errors() async throws {
        let fixture = try await Self.fixture()
        let etag = try #require(try await fixture.send("PUT", "/configurations/fw-v2", body: Self.create)["etag"] as? String)
        #expect(try await fixture.send("PUT", "/configurations/fw-v2", body: Self.create).status == 409)
        let stale = try await fixture.send("PUT", "/configurations/fw-v2", body: Self.create, headers: [("If-Match", "stale")])
        #expect(stale.status == 412 && stale.errorCode == 412_001)
        let changed = Self.create.replacingOccurrences(of: #""version":"2.0""#, with: #""version":"9""#)
        #expect(try await fixture.send("PUT", "/configurations/fw-v2", body: changed, headers: [("If-Match", etag)]).errorCode == 400_004)
        let raised = Self.create.replacingOccurrences(of: #""priority":10"#, with: #""priority":20"#)
        let updated = try await fixture.send("PUT", "/configurations/fw-v2", body: raised, headers: [("If-Match", etag)])
        #expect(updated.status == 200 && updated["etag"] as? String != etag && updated["priority"] as? Int == 20)
        #expect(try await fixture.send("GET", "/configurations/nope").status == 404)
        #expect(try await fixture.send("PUT", "/configurations/Upper", body: "{}").errorCode == 400_004)
        let modules = #"{"content":{"modulesContent":{"$edgeAgent":{"properties.desired":{}}}},"targetCondition":"*"}"#
        #expect(try await fixture.send("PUT", "/configurations/edge", body: modules).status == 400)
        #expect(try await fixture.send("DELETE", "/configurations/fw-v2", headers: [("If-Match", etag)]).status == 412)
        #expect(try await fixture.send("DELETE", "/configurations/fw-v2", headers: [("If-Match", "*")]).status == 204)
        let twin = try await fixture.send("GET", "/twins/d1")
        #expect(((twin["properties"] as? [String: Any])?["desired"] as? [String: Any])?["fw"] == nil, "deleting reverts")
        #expect(try await fixture.send("DELETE", "/configurations/fw-v2").status == 404)
    }

    @Test("testQueries answers the parser's messages, empty when valid")
    func testQueries() async throws {
        let fixture = try await Self.fixture()
        let valid = try await fixture.send("POST", "/configurations/testQueries",
                                           body: #"{"targetCondition":"tags.env='test'","customMetricQueries":{"m":"SELECT deviceId FROM devices"}}"#)
        #expect(valid.status == 200 && valid["targetConditionError"] as? String == "")
        #expect((valid["customMetricQueryErrors"] as? [String: Any])?.isEmpty == true)
        let invalid = try await fixture.send("POST", "/configurations/testQueries",
                                             body: #"{"targetCondition":"tags.env==","customMetricQueries":{"m":"SELECT"}}"#)
        #expect((invalid["targetConditionError"] as? String)?.isEmpty == false)
        #expect((invalid["customMetricQueryErrors"] as? [String: String])?.keys.sorted() == ["m"])
    }

    @Test("applyConfigurationContent: 400 for a device that is not IoT Edge; an Edge device's modules get the desired properties")
    func applyContent() async throws {
        let fixture = try await Self.fixture()
        let body = #"{"modulesContent":{"$edgeAgent":{"properties.desired":{"schemaVersion":"1.1"}}}}"#
        #expect(try await fixture.send("POST", "/devices/d1/applyConfigurationContent", body: body).status == 400)
        _ = try await fixture.registry.createDevice(DeviceRequest(deviceID: "edge", iotEdge: true))
        #expect(try await fixture.send("POST", "/devices/edge/applyConfigurationContent", body: body).status == 204)
        let twin = try await fixture.send("GET", "/twins/edge/modules/$edgeAgent")
        #expect(((twin["properties"] as? [String: Any])?["desired"] as? [String: Any])?["schemaVersion"] as? String == "1.1")
    }
}
