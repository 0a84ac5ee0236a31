import Foundation
import NaveCore
import NaveModel
import NaveTestSupport
import Testing

/// Modules and bulk registry operations over the REST surface, in process (contract §4.2, §4.4).
@Suite("Service API: modules and bulk")
struct ServiceAPIModuleAndBulkTests {
    static func moduleBody(_ device: String, _ module: String) -> String {
        #"{"moduleId":"\#(module)","managedBy":"","deviceId":"\#(device)","authentication":{"symmetricKey":{},"type":"sas"}}"#
    }

    @Test("module create, conflict, update, get, list and delete; 404010 for a missing module")
    func moduleLifecycle() async throws {
        let fixture = try await APIFixture.make()
        let orphan = try await fixture.send("PUT", "/devices/dev1/modules/mod1", body: Self.moduleBody("dev1", "mod1"))
        #expect(orphan.status == 404 && orphan.errorCode == 404_001, "a module needs its device")
        _ = try await fixture.send("PUT", "/devices/dev1", body: #"{"deviceId":"dev1"}"#)

        let created = try await fixture.send("PUT", "/devices/dev1/modules/mod1", body: Self.moduleBody("dev1", "mod1"))
        #expect(created.status == 200)
        #expect(created["moduleId"] as? String == "mod1" && created["deviceId"] as? String == "dev1")
        #expect(created["etag"] as? String == "MQ==" && created.headers["ETag"] == "\"MQ==\"")
        let keys = (created["authentication"] as? [String: Any])?["symmetricKey"] as? [String: String]
        #expect(keys?["primaryKey"].flatMap { Data(base64Encoded: $0) }?.count == 32)
        #expect(keys?["primaryKey"] != fixture.registry.device("dev1")?.authentication.primaryKey, "a module has keys of its own")

        let again = try await fixture.send("PUT", "/devices/dev1/modules/mod1", body: Self.moduleBody("dev1", "mod1"))
        #expect(again.status == 409 && again.errorName == "ModuleAlreadyExistsOnDevice" && again.errorCode == 409_301)

        let updated = try await fixture.send("PUT", "/devices/dev1/modules/mod1",
                                             body: #"{"moduleId":"mod1","deviceId":"dev1","managedBy":"edge"}"#,
                                             headers: [("If-Match", "\"*\"")])
        #expect(updated.status == 200 && updated["etag"] as? String == "Mg==" && updated["managedBy"] as? String == "edge")
        #expect((updated["authentication"] as? [String: Any])?["symmetricKey"] as? [String: String] == keys, "keys kept")
        let stale = try await fixture.send("PUT", "/devices/dev1/modules/mod1", body: Self.moduleBody("dev1", "mod1"),
                                           headers: [("If-Match", "\"MQ==\"")])
        #expect(stale.status == 412 && stale.errorCode == 412_001)
        let conditionalCreate = try await fixture.send("PUT", "/devices/dev1/modules/mod2", body: Self.moduleBody("dev1", "mod2"),
                                                       headers: [("If-Match", "\"MQ==\"")])
        #expect(conditionalCreate.status == 404 && conditionalCreate.errorCode == 404_010)

        _ = try await fixture.send("PUT", "/devices/dev1/modules/a0", body: Self.moduleBody("dev1", "a0"))
        let got = try await fixture.send("GET", "/devices/dev1/modules/mod1")
        #expect(got.status == 200 && got["managedBy"] as? String == "edge" && got.headers["ETag"] == "\"Mg==\"")
        let list = try await fixture.send("GET", "/devices/dev1/modules")
        #expect(list.array?.compactMap { $0["moduleId"] as? String } == ["a0", "mod1"])
        #expect(try await fixture.send("GET", "/devices/ghost/modules").errorCode == 404_001)

        let missing = try await fixture.send("GET", "/devices/dev1/modules/ghost")
        #expect(missing.status == 404 && missing.errorName == "ModuleNotFound" && missing.errorCode == 404_010)
        let deleted = try await fixture.send("DELETE", "/devices/dev1/modules/mod1", headers: [("If-Match", "\"*\"")])
        #expect(deleted.status == 204 && deleted.body.isEmpty)
        #expect(try await fixture.send("DELETE", "/devices/dev1/modules/mod1").errorCode == 404_010)
        #expect(try await fixture.send("GET", "/devices/dev1/modules").array?.count == 1)
    }

    @Test("a module body naming another device or module than the path is 400")
    func moduleIDsMustMatch() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.send("PUT", "/devices/dev1", body: #"{"deviceId":"dev1"}"#)
        for body in [Self.moduleBody("dev2", "mod1"), Self.moduleBody("dev1", "mod2")] {
            let reply = try await fixture.send("PUT", "/devices/dev1/modules/mod1", body: body)
            #expect(reply.status == 400 && reply.errorCode == 400_004)
        }
        #expect(try fixture.registry.modules(of: "dev1").isEmpty)
    }

    @Test("deleting a device takes its modules and ends their connections")
    func deleteDeviceTakesModules() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.send("PUT", "/devices/dev1", body: #"{"deviceId":"dev1"}"#)
        _ = try await fixture.send("PUT", "/devices/dev1/modules/mod1", body: Self.moduleBody("dev1", "mod1"))
        let moduleConnection = RecordingConnection()
        fixture.registry.connections.register(moduleConnection, as: IdentityKey(deviceID: "dev1", moduleID: "mod1"), at: fixture.clock.now())
        #expect(try await fixture.send("GET", "/devices/dev1/modules/mod1")["connectionState"] as? String == "Connected")
        #expect(try await fixture.send("DELETE", "/devices/dev1").status == 204)
        #expect(moduleConnection.revoked == [.deviceDeleted])
        _ = try await fixture.send("PUT", "/devices/dev1", body: #"{"deviceId":"dev1"}"#)
        #expect(try await fixture.send("GET", "/devices/dev1/modules").array?.isEmpty == true, "a re-created device starts without modules")
    }

    @Test("bulk: all succeed → 200 isSuccessful; one fails → 400 with its error, the others are kept")
    func bulk() async throws {
        let fixture = try await APIFixture.make()
        let good = #"[{"id":"b1","importMode":"create","status":"enabled","authentication":{"symmetricKey":{"primaryKey":"\#(testKeyA)","secondaryKey":"\#(testKeyB)"},"type":"sas"}},{"id":"b2","importMode":"create"}]"#
        let ok = try await fixture.send("POST", "/devices", body: good)
        #expect(ok.status == 200)
        #expect(ok["isSuccessful"] as? Bool == true)
        #expect((ok["errors"] as? [Any])?.isEmpty == true && (ok["warnings"] as? [Any])?.isEmpty == true)
        #expect(fixture.registry.device("b1")?.authentication.primaryKey == testKeyA)

        let mixed = #"[{"id":"b3","importMode":"create"},{"id":"b1","importMode":"create"},{"id":"b2","importMode":"delete"},{"id":"ghost","importMode":"update"}]"#
        let partly = try await fixture.send("POST", "/devices", body: mixed)
        #expect(partly.status == 400, "the SDK reads the failures from a 400 body (§4.4)")
        #expect(partly.errorDetail == nil, "a bulk 400 carries the bulk result, not an error document")
        #expect(partly["isSuccessful"] as? Bool == false)
        let errors = try #require(partly["errors"] as? [[String: Any]])
        #expect(errors.count == 2)
        #expect(errors.first?["deviceId"] as? String == "b1")
        #expect(errors.first?["errorCode"] as? String == "DeviceAlreadyExists")
        #expect(errors.first?["operation"] as? String == "create")
        #expect(errors.last?["deviceId"] as? String == "ghost" && errors.last?["errorCode"] as? String == "DeviceNotFound")
        #expect(fixture.registry.device("b3") != nil && fixture.registry.device("b2") == nil, "the valid entries were applied")
    }

    @Test("bulk bodies that are not an array of entries, or too many, are refused whole")
    func bulkRefusals() async throws {
        let fixture = try await APIFixture.make()
        let notArray = try await fixture.send("POST", "/devices", body: #"{"id":"x","importMode":"create"}"#)
        #expect(notArray.status == 400 && notArray.errorCode == 400_004)
        let badMode = try await fixture.send("POST", "/devices", body: #"[{"id":"x","importMode":"explode"}]"#)
        #expect(badMode.status == 400 && badMode.errorCode == 400_004)
        let entries = (0...ExportImportDevice.bulkDevicesMax).map { #"{"id":"d\#($0)","importMode":"create"}"# }
        let tooMany = try await fixture.send("POST", "/devices", body: "[" + entries.joined(separator: ",") + "]")
        #expect(tooMany.status == 413 && tooMany.errorName == "TooManyDevices" && tooMany.errorCode == 413_002)
        #expect(fixture.registry.devices().isEmpty)
    }
}
