import Foundation
import NaveCore
import NaveModel
import NaveTestSupport
import Testing

/// Devices over the REST surface, in process (contract §4.2, §4.4): create, update with
/// If-Match, get, list, delete, statistics, and IoT Hub's error bodies (§4.5).
@Suite("Service API: devices")
struct ServiceAPIDeviceTests {
    static let sasBody = #"{"deviceId":"dev1","status":"enabled","authentication":{"symmetricKey":{},"type":"sas"},"capabilities":{"iotEdge":false}}"#

    @Test("PUT without If-Match creates: 200 (not 201), generated keys, etag in body and quoted ETag header")
    func create() async throws {
        let fixture = try await APIFixture.make()
        let reply = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody)
        #expect(reply.status == 200)
        #expect(reply.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(reply.headers["ETag"] == "\"MQ==\"")
        #expect(reply["deviceId"] as? String == "dev1")
        #expect(reply["etag"] as? String == "MQ==")
        #expect(reply["status"] as? String == "enabled")
        #expect(reply["connectionState"] as? String == "Disconnected")
        #expect((reply["generationId"] as? String)?.count == 18)
        let authentication = try #require(reply["authentication"] as? [String: Any])
        #expect(authentication["type"] as? String == "sas")
        let keys = try #require(authentication["symmetricKey"] as? [String: Any])
        let primary = try #require(keys["primaryKey"] as? String)
        let secondary = try #require(keys["secondaryKey"] as? String)
        #expect(Data(base64Encoded: primary)?.count == 32 && Data(base64Encoded: secondary)?.count == 32)
        #expect(primary != secondary)
        #expect(fixture.registry.device("dev1")?.authentication.primaryKey == primary)
    }

    @Test("a second create is 409 DeviceAlreadyExists in IoT Hub's error shape")
    func createTwice() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody)
        let reply = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody)
        #expect(reply.status == 409)
        #expect(reply.errorName == "DeviceAlreadyExists")
        #expect(reply.headers["Content-Type"] == "application/json; charset=utf-8")
        let detail = try #require(reply.errorDetail, "body: \(String(decoding: reply.body, as: UTF8.self))")
        #expect(detail["errorCode"] as? Int == 409_001)
        #expect((detail["trackingId"] as? String)?.isEmpty == false)
        #expect((detail["message"] as? String)?.contains("dev1") == true)
        #expect(detail["info"] as? [String: Any] != nil)
        #expect((detail["timestampUtc"] as? String)?.hasPrefix("2023-11-14T22:13:20") == true, "the hub's clock")
        #expect(fixture.registry.device("dev1")?.etag == "MQ==", "the refused create changed nothing")
    }

    @Test("PUT with If-Match updates: matching, weak and \"*\" pass, a stale etag is 412, keys are kept")
    func update() async throws {
        let fixture = try await APIFixture.make()
        let created = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody)
        let createdKeys = (created["authentication"] as? [String: Any])?["symmetricKey"] as? [String: String]
        let disable = #"{"deviceId":"dev1","status":"disabled","statusReason":"maintenance","authentication":{"symmetricKey":{},"type":"sas"}}"#

        let first = try await fixture.send("PUT", "/devices/dev1", body: disable, headers: [("If-Match", "\"MQ==\"")])
        #expect(first.status == 200)
        #expect(first["etag"] as? String == "Mg==" && first.headers["ETag"] == "\"Mg==\"")
        #expect(first["status"] as? String == "disabled" && first["statusReason"] as? String == "maintenance")
        #expect(first["generationId"] as? String == created["generationId"] as? String)
        #expect((first["authentication"] as? [String: Any])?["symmetricKey"] as? [String: String] == createdKeys)

        let stale = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody, headers: [("If-Match", "\"MQ==\"")])
        #expect(stale.status == 412)
        #expect(stale.errorName == "PreconditionFailed" && stale.errorCode == 412_001)
        #expect(fixture.registry.device("dev1")?.status == .disabled, "the refused update changed nothing")

        let weak = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody, headers: [("If-Match", "W/\"Mg==\"")])
        #expect(weak.status == 200 && weak["etag"] as? String == "Mw==" && weak["status"] as? String == "enabled")
        let any = try await fixture.send("PUT", "/devices/dev1", body: disable, headers: [("If-Match", "\"*\"")])
        #expect(any.status == 200 && any["etag"] as? String == "NA==")

        let unknown = try await fixture.send("PUT", "/devices/nope", body: #"{"deviceId":"nope"}"#, headers: [("If-Match", "\"*\"")])
        #expect(unknown.status == 404 && unknown.errorCode == 404_001)
    }

    @Test("disabling over REST ends the device's live connections")
    func disableRevokes() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody)
        let connection = RecordingConnection()
        fixture.registry.connections.register(connection, as: IdentityKey(deviceID: "dev1"), at: fixture.clock.now())
        let connected = try await fixture.send("GET", "/devices/dev1")
        #expect(connected["connectionState"] as? String == "Connected")
        let stats = try await fixture.send("GET", "/statistics/service")
        #expect(stats.object?["connectedDeviceCount"] as? Int == 1)
        _ = try await fixture.send("PUT", "/devices/dev1", body: #"{"deviceId":"dev1","status":"disabled"}"#, headers: [("If-Match", "\"*\"")])
        #expect(connection.revoked == [.deviceDisabled])
    }

    @Test("GET a device: 200 with ETag; an unknown one is 404 DeviceNotFound (404001)")
    func get() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody)
        let found = try await fixture.send("GET", "/devices/dev1")
        #expect(found.status == 200 && found["deviceId"] as? String == "dev1" && found.headers["ETag"] == "\"MQ==\"")
        let missing = try await fixture.send("GET", "/devices/ghost")
        #expect(missing.status == 404)
        #expect(missing.errorName == "DeviceNotFound" && missing.errorCode == 404_001)
    }

    @Test("DELETE: a stale If-Match is 412, then 204 with no body; the device is gone")
    func delete() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.send("PUT", "/devices/dev1", body: Self.sasBody)
        let stale = try await fixture.send("DELETE", "/devices/dev1", headers: [("If-Match", "\"Mg==\"")])
        #expect(stale.status == 412 && stale.errorCode == 412_001)
        let deleted = try await fixture.send("DELETE", "/devices/dev1", headers: [("If-Match", "\"*\"")])
        #expect(deleted.status == 204 && deleted.body.isEmpty)
        #expect(try await fixture.send("GET", "/devices/dev1").errorCode == 404_001)
        #expect(try await fixture.send("DELETE", "/devices/dev1").errorCode == 404_001)
    }

    @Test("GET /devices lists in id order; top limits (it comes before api-version); a bad top is 400")
    func list() async throws {
        let fixture = try await APIFixture.make()
        for id in ["c", "a", "b"] {
            #expect(try await fixture.send("PUT", "/devices/\(id)", body: #"{"deviceId":"\#(id)"}"#).status == 200)
        }
        let all = try await fixture.send("GET", "/devices")
        #expect(all.status == 200 && all.array?.compactMap { $0["deviceId"] as? String } == ["a", "b", "c"])
        let two = try await fixture.send("GET", "/devices", query: "top=2&\(apiVersion)")
        #expect(two.array?.compactMap { $0["deviceId"] as? String } == ["a", "b"])
        let none = try await fixture.send("GET", "/devices", query: "top=0&\(apiVersion)")
        #expect(none.status == 200 && none.array?.isEmpty == true)
        for bad in ["top=-1", "top=two"] {
            let reply = try await fixture.send("GET", "/devices", query: "\(bad)&\(apiVersion)")
            #expect(reply.status == 400 && reply.errorCode == 400_004, "\(bad)")
        }
    }

    @Test("statistics count enabled and disabled devices")
    func statistics() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.send("PUT", "/devices/a", body: #"{"deviceId":"a"}"#)
        _ = try await fixture.send("PUT", "/devices/b", body: #"{"deviceId":"b","status":"disabled"}"#)
        _ = try await fixture.send("PUT", "/devices/c", body: #"{"deviceId":"c"}"#)
        let devices = try await fixture.send("GET", "/statistics/devices")
        #expect(devices.status == 200)
        #expect(devices["totalDeviceCount"] as? Int == 3)
        #expect(devices["enabledDeviceCount"] as? Int == 2)
        #expect(devices["disabledDeviceCount"] as? Int == 1)
        let service = try await fixture.send("GET", "/statistics/service")
        #expect(service.status == 200 && service["connectedDeviceCount"] as? Int == 0)
    }

    @Test("malformed bodies are 400 ArgumentInvalid (400004): not JSON, empty, ids that differ from the path")
    func badBodies() async throws {
        let fixture = try await APIFixture.make()
        let cases: [(String, String)] = [
            ("{\"deviceId\":", "truncated JSON"),
            ("", "an empty body"),
            ("[]", "an array"),
            (#"{"deviceId":"other"}"#, "deviceId differs from the path"),
            (#"{"deviceId":"dev1","status":"sleeping"}"#, "an unknown status"),
            (#"{"deviceId":"dev1","authentication":{"type":"sas","symmetricKey":{"primaryKey":"not base64!"}}}"#, "a key that is not base64"),
        ]
        for (body, comment) in cases {
            let reply = try await fixture.send("PUT", "/devices/dev1", body: body)
            #expect(reply.status == 400, "\(comment)")
            #expect(reply.errorCode == 400_004 && reply.errorName == "ArgumentInvalid", "\(comment)")
        }
        #expect(fixture.registry.devices().isEmpty)
    }
}
