import Foundation
import NaveAuth
import NaveCore
import NaveModel
import Testing

/// Devices connecting for real: MQTT over WebSockets on the HTTPS port (contract §1.1) and
/// MQTT over TLS on the device port (§1.2–§1.5), from the Python wire client's own encoder.
@Suite("Device connections", .serialized)
struct DeviceConnectionTests {
    // MARK: WebSocket

    @Test("WebSocket upgrade as paho sends it → 101 paho accepts; CONNECT split over two frames → CONNACK 0; text closes")
    func webSocketMQTT() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("ws1")
        let result = try await node.python.run("websocket", ["\(node.httpsPort)", node.caPath, "ws1", username("ws1"), try node.deviceToken("ws1")])
        #expect(result["status"] as? Int == 101)
        let lines = try (result["lines"] as? [String]).unwrap("lines")
        // paho's _do_handshake: any line mentioning "connection" must mention "upgrade", and it
        // splits the Sec-WebSocket-Accept line on ": " (contract §1.1).
        for line in lines where line.lowercased().contains("connection") {
            #expect(line.lowercased().contains("upgrade"), "paho refuses the line '\(line)'")
        }
        let expected = try (result["expectedAccept"] as? String).unwrap("expectedAccept")
        #expect(lines.contains { $0.lowercased().hasPrefix("sec-websocket-accept: ") && $0.split(separator: " ").last.map(String.init) == expected })
        #expect(lines.contains { $0.lowercased() == "sec-websocket-protocol: mqtt" })
        #expect(lines.contains { $0.lowercased() == "upgrade: websocket" })

        let connack = result["connack"] as? [String: Any]
        #expect(connack?["opcode"] as? Int == 2 && connack?["masked"] as? Bool == false && connack?["fin"] as? Bool == true)
        #expect(connack?["payload"] as? String == "20020000", "CONNACK 0 in a binary frame")
        let pingresp = result["pingresp"] as? [String: Any]
        #expect(pingresp?["opcode"] as? Int == 2 && pingresp?["payload"] as? String == "d000")
        let afterText = result["afterText"] as? [String: Any]
        #expect(afterText?["opcode"] as? Int == 8, "a close frame answers a text frame: \(String(describing: afterText))")
        #expect((afterText?["payload"] as? String)?.hasPrefix("03eb") == true, "close code 1003 (unsupported data)")
        #expect(result["closed"] as? Bool == true)
        #expect(await eventually { !node.registry.connections.presence(of: IdentityKey(deviceID: "ws1")).isConnected })
    }

    @Test("an upgrade without the mqtt subprotocol is refused with 400 and closed")
    func webSocketWithoutSubprotocol() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        let result = try await node.python.run("websocket_refused", ["\(node.httpsPort)", node.caPath])
        #expect((result["response"] as? [String: Any])?["status"] as? Int == 400)
        #expect(result["closed"] as? Bool == true)
        let after = try await node.python.run("request", ["\(node.httpsPort)", node.caPath, try node.serviceToken(), "GET", "/statistics/devices"])
        #expect(after["status"] as? Int == 200)
    }

    // MARK: MQTT over TLS

    func connect(_ node: TestNode, clientID: String, username: String, password: String,
                 hold: Double = 0.3) async throws -> [String: Any] {
        try await node.python.run("mqtt", ["\(node.mqttPort)", node.caPath, clientID, username, password, "\(hold)"])
    }

    @Test("CONNACK codes: valid SAS 0; bad signature, unknown device 5; malformed username or token 4 — refusals close")
    func connackCodes() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        let valid = try await connect(node, clientID: "dev1", username: username("dev1"), password: try node.deviceToken("dev1"))
        #expect(valid["returnCode"] as? Int == 0 && valid["connack"] as? String == "20020000")
        #expect(valid["closed"] as? Bool == false, "an accepted connection stays open")

        let stranger = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="
        let refusals: [(String, String, String, Int, String)] = [
            ("dev1", username("dev1"), try node.deviceToken("dev1", key: stranger), 5, "signed with another key"),
            ("dev1", username("dev1"), try node.deviceToken("dev1", expiresIn: -10), 5, "expired"),
            ("ghost", username("ghost"), try node.deviceToken("ghost"), 5, "unknown device"),
            ("dev1", "localhost/dev1", try node.deviceToken("dev1"), 4, "username without its query"),
            ("dev1", username("dev2"), try node.deviceToken("dev1"), 4, "username for another client id"),
            ("dev1", username("dev1"), "not a token", 4, "password that is not a SAS token"),
        ]
        for (clientID, user, password, code, comment) in refusals {
            let result = try await connect(node, clientID: clientID, username: user, password: password)
            #expect(result["returnCode"] as? Int == code, "\(comment)")
            #expect(result["closed"] as? Bool == true, "\(comment): the server closes after a refusing CONNACK")
        }
        #expect(!node.registry.connections.presence(of: IdentityKey(deviceID: "ghost")).isConnected)
    }

    @Test("disabling a connected device closes its connection within a second")
    func disableCloses() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        let key = IdentityKey(deviceID: "dev1")
        let client = try node.python.start("mqtt", ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"), try node.deviceToken("dev1"), "8"])
        #expect(await eventually { node.registry.connections.presence(of: key).isConnected }, "the device connected")
        let disabled = Date()
        _ = try await node.registry.updateDevice(DeviceRequest(deviceID: "dev1", status: .disabled,
                                                               authentication: .sas(primaryKey: testKeyA, secondaryKey: testKeyB)), ifMatch: "*")
        let result = try await client.finish(seconds: 10)
        let elapsed = Date().timeIntervalSince(disabled)
        #expect(result["returnCode"] as? Int == 0)
        #expect(result["closed"] as? Bool == true)
        #expect(elapsed < 1.0, "closed \(elapsed) s after the device was disabled")
        #expect(!node.registry.connections.presence(of: key).isConnected)
        let again = try await connect(node, clientID: "dev1", username: username("dev1"), password: try node.deviceToken("dev1"))
        #expect(again["returnCode"] as? Int == 5, "a disabled device is refused")
    }

    @Test("REST sees a live device (Connected, connectedDeviceCount 1); DELETE over REST closes it and the count is 0 again")
    func deleteOverREST() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        let client = try node.python.start("mqtt", ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"), try node.deviceToken("dev1"), "8"])
        #expect(await eventually { node.registry.connections.presence(of: IdentityKey(deviceID: "dev1")).isConnected })
        let rest = ["\(node.httpsPort)", node.caPath, try node.serviceToken()]
        func json(_ reply: [String: Any]) -> [String: Any]? {
            (reply["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        let device = try await node.python.run("request", rest + ["GET", "/devices/dev1"])
        #expect(json(device)?["connectionState"] as? String == "Connected")
        let before = try await node.python.run("request", rest + ["GET", "/statistics/service"])
        #expect(json(before)?["connectedDeviceCount"] as? Int == 1)
        let deleted = try await node.python.run("request", rest + ["DELETE", "/devices/dev1"])
        #expect(deleted["status"] as? Int == 204)
        let result = try await client.finish(seconds: 10)
        #expect(result["returnCode"] as? Int == 0 && result["closed"] as? Bool == true)
        #expect(await eventually { node.registry.connections.connectedDeviceCount == 0 }, "the deleted device's connection stops counting")
        let after = try await node.python.run("request", rest + ["GET", "/statistics/service"])
        #expect(json(after)?["connectedDeviceCount"] as? Int == 0)
    }

    @Test("a second connection for the same device takes over: the first is closed, the device stays connected once")
    func takeover() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        let key = IdentityKey(deviceID: "dev1")
        let arguments = ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"), try node.deviceToken("dev1")]
        let first = try node.python.start("mqtt", arguments + ["8"])
        #expect(await eventually { node.registry.connections.presence(of: key).isConnected })
        let second = try node.python.start("mqtt", arguments + ["1.5"])
        let firstResult = try await first.finish(seconds: 10)
        #expect(firstResult["returnCode"] as? Int == 0 && firstResult["closed"] as? Bool == true, "the older connection is closed")
        #expect((firstResult["heldSeconds"] as? Double ?? 99) < 5)
        #expect(node.registry.connections.presence(of: key).isConnected)
        #expect(node.registry.connections.connectedDeviceCount == 1)
        let secondResult = try await second.finish(seconds: 10)
        #expect(secondResult["returnCode"] as? Int == 0 && secondResult["closed"] as? Bool == false, "the newer one stays")
        #expect(await eventually { !node.registry.connections.presence(of: key).isConnected })
        #expect(node.registry.connections.connectedDeviceCount == 0)
    }

    @Test("a module connects with its own key; deleting its device closes it")
    func moduleConnection() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        _ = try await node.registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "mod1",
                                                            authentication: .sas(primaryKey: testKeyB, secondaryKey: testKeyA)), ifMatch: nil)
        let token = try SASToken.deviceToken(resourceURI: "localhost/devices/dev1/modules/mod1", key: testKeyB,
                                             expiry: node.hub.clock.now().secondsSinceEpoch + 3600)
        let key = IdentityKey(deviceID: "dev1", moduleID: "mod1")
        let client = try node.python.start("mqtt", ["\(node.mqttPort)", node.caPath, "dev1/mod1", username("dev1/mod1"), token, "8"])
        #expect(await eventually { node.registry.connections.presence(of: key).isConnected })
        #expect(node.registry.connections.connectedDeviceCount == 0, "modules are not devices")
        try await node.registry.deleteDevice("dev1", ifMatch: nil)
        let result = try await client.finish(seconds: 10)
        #expect(result["returnCode"] as? Int == 0 && result["closed"] as? Bool == true)
        #expect((result["heldSeconds"] as? Double ?? 99) < 5)
    }

    @Test("the connection ends when its SAS token expires")
    func tokenExpiry() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        let result = try await node.python.run("mqtt", ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"),
                                                        try node.deviceToken("dev1", expiresIn: 2), "6"])
        #expect(result["returnCode"] as? Int == 0)
        #expect(result["closed"] as? Bool == true)
        let held = result["heldSeconds"] as? Double ?? 0
        #expect(held > 0.5 && held < 3.5, "closed \(held) s after CONNACK; the token had 1–2 s left")
    }

    @Test("a self-signed device authenticates with its TLS client certificate and no password")
    func x509() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        let registered = try DevelopmentCertificates.makeDeviceCertificate(commonName: "x509dev")
        let other = try DevelopmentCertificates.makeDeviceCertificate(commonName: "x509dev")
        var paths: [String] = []
        for (name, pair) in [("registered", registered), ("other", other)] {
            try pair.certificatePEM.write(toFile: "\(node.directory)/\(name).pem", atomically: true, encoding: .utf8)
            try pair.privateKeyPEM.write(toFile: "\(node.directory)/\(name).key", atomically: true, encoding: .utf8)
            paths.append("\(node.directory)/\(name)")
        }
        let thumbprint = try Certificate(pem: registered.certificatePEM).sha1Thumbprint
        _ = try await node.registry.createDevice(DeviceRequest(deviceID: "x509dev", authentication: .selfSigned(primaryThumbprint: thumbprint)))
        for (path, code) in [(paths[0], 0), (paths[1], 5)] {
            let result = try await node.python.run("mqtt", ["\(node.mqttPort)", node.caPath, "x509dev", username("x509dev"), "-", "0.2",
                                                            path + ".pem", path + ".key"])
            #expect(result["returnCode"] as? Int == code, "\(path)")
        }
    }
}
