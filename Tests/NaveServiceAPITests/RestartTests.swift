import Foundation
import NaveCore
import NaveModel
import Testing

/// What a node keeps across a restart on the same data directory: identities created through
/// the REST API, policy keys (old tokens still verify) and the development CA.
@Suite("Restart")
struct RestartTests {
    @Test("a device created over HTTPS is there after the node and hub close and a new hub opens")
    func deviceSurvivesRestart() async throws {
        try await restarting { first in
            let token = try first.serviceToken()
            let body = #"{"deviceId":"keep1","status":"enabled","authentication":{"symmetricKey":{"primaryKey":"\#(testKeyA)","secondaryKey":"\#(testKeyB)"},"type":"sas"}}"#
            let created = try await first.python.run("request", ["\(first.httpsPort)", first.caPath, token, "PUT", "/devices/keep1", body])
            #expect(created["status"] as? Int == 200)
            _ = try await first.registry.updateDevice(DeviceRequest(deviceID: "keep1", statusReason: "updated",
                                                                    authentication: .sas(primaryKey: testKeyA, secondaryKey: testKeyB)), ifMatch: "*")
            let before = try first.registry.device("keep1").unwrap("keep1")
            let caBefore = try String(contentsOfFile: first.caPath, encoding: .utf8)
            return (token, before, caBefore)
        } then: { second, kept in
            let (token, before, caBefore) = kept
            #expect(second.registry.device("keep1") == before, "identity, keys, etag and generation id as stored")
            #expect(try String(contentsOfFile: second.caPath, encoding: .utf8) == caBefore, "the development CA is kept")
            // The first node's token: the policy keys were kept too.
            let fetched = try await second.python.run("request", ["\(second.httpsPort)", second.caPath, token, "GET", "/devices/keep1"])
            #expect(fetched["status"] as? Int == 200)
            let json = (fetched["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(json?["etag"] as? String == "Mg==" && json?["statusReason"] as? String == "updated")
            let connected = try await second.python.run("mqtt", ["\(second.mqttPort)", second.caPath, "keep1", username("keep1"),
                                                                  try second.deviceToken("keep1"), "0.1"])
            #expect(connected["returnCode"] as? Int == 0, "the device connects with its stored key")
        }
    }

    @Test("a configuration and what it did to a twin are there after a restart; deleting it then still reverts the twin")
    func configurationSurvivesRestart() async throws {
        try await restarting { first in
            let hub = try first.server.hub.unwrap("hub")
            _ = try await first.registry.createDevice(DeviceRequest(deviceID: "cfg1"))
            _ = try await hub.twins.updateTwin(IdentityKey(deviceID: "cfg1"), TwinUpdate(tags: ["env": "test"]), ifMatch: nil)
            let content = ConfigurationContent(scope: .devices, settings: [ConfigurationSetting(path: ["fw"], value: "2.0")])
            let (created, _) = try await hub.configurations.put(ConfigurationRequest(id: "fw", content: content,
                                                                                     targetCondition: "tags.env = 'test'", priority: 1),
                                                                ifMatch: nil)
            return created
        } then: { second, created in
            let reopened = try second.server.hub.unwrap("hub")
            #expect(try reopened.configurations.configuration("fw") == created)
            let twin = try await reopened.twins.twin(IdentityKey(deviceID: "cfg1"))
            #expect(twin.desired.values["fw"] == "2.0" && twin.configurations.statuses == ["fw": .applied])
            try await reopened.configurations.delete("fw", ifMatch: created.etag)
            #expect(try await reopened.twins.twin(IdentityKey(deviceID: "cfg1")).desired.values["fw"] == nil)
        }
    }

    /// Runs `first` on a node with a new data directory, stops it and waits for its hub to
    /// close, then runs `then` on a node opened on the same directory with what `first` kept.
    private func restarting<Kept>(_ first: (TestNode) async throws -> Kept,
                                  then: (TestNode, Kept) async throws -> Void) async throws {
        let node = try await TestNode.start()
        let directory = node.directory
        var running = true
        defer {
            if running { node.stop() }
            try? FileManager.default.removeItem(atPath: directory)
        }
        let kept = try await first(node)
        await node.stopAndWait()
        running = false
        let second = try await TestNode.start(directory: directory)
        defer { second.stop() }
        try await then(second, kept)
    }
}
