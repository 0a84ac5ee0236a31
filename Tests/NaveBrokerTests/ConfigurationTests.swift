import Foundation
import NaveLimits
import NaveNode
import Testing

/// `Tuning/` files load through swift-configuration's YAML provider and pass start-up
/// validation; environment variables override them; broken relations are refused.
@Suite("Configuration")
struct ConfigurationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let files = ["Tuning/reference.yaml", "Tuning/profiles/development.yaml",
                        "Tuning/profiles/small-2-core.yaml", "Tuning/profiles/large-host.yaml",
                        // What scripts/install puts in /etc/nave/nave.yaml.
                        "packaging/nave.yaml"]

    @Test("every Tuning file loads and validates", arguments: files)
    func tuningFileValidates(_ file: String) async throws {
        let configuration = try await NaveConfiguration.load(configFile: Self.root.appendingPathComponent(file).path, environment: [:])
        try configuration.validate()
    }

    @Test("the reference file states the defaults")
    func referenceIsTheDefaults() async throws {
        let loaded = try await NaveConfiguration.load(configFile: Self.root.appendingPathComponent("Tuning/reference.yaml").path, environment: [:])
        var defaults = NaveConfiguration()
        defaults.engine.loopCount = 2   // the file's example for a 2-core host
        defaults.broker.routerShardCount = 2
        #expect(loaded.broker == defaults.broker)
        #expect(loaded.listeners == defaults.listeners)
        #expect(loaded.engine.outboundBytesMax == defaults.engine.outboundBytesMax)
        #expect(loaded.engine.outboundHighWaterBytes == defaults.engine.outboundHighWaterBytes)
        #expect(loaded.engine.receiveBufferCount == defaults.engine.receiveBufferCount)
        #expect(loaded.engine.closeFlushTimeoutMillis == defaults.engine.closeFlushTimeoutMillis)
        #expect(loaded.hub.enabled == defaults.hub.enabled && loaded.hub.hostName == defaults.hub.hostName)
        #expect(loaded.hub.mqttListeners == defaults.hub.mqttListeners)
        #expect(loaded.hub.plainMqttListeners == defaults.hub.plainMqttListeners)
        #expect(loaded.hub.httpsListeners == defaults.hub.httpsListeners)
        #expect(loaded.hub.http == defaults.hub.http)
        #expect(loaded.hub.events == defaults.hub.events)
        #expect(loaded.hub.jobs == defaults.hub.jobs)
        #expect(loaded.hub.configurations == defaults.hub.configurations)
        #expect(loaded.hub.importExport == defaults.hub.importExport)
        #expect(loaded.lifecycle == defaults.lifecycle)
    }

    @Test("the data directory is unset unless the file or the environment names one")
    func dataDirectoryOnlyWhenNamed() async throws {
        let reference = Self.root.appendingPathComponent("Tuning/reference.yaml").path
        #expect(try await NaveConfiguration.load(configFile: reference, environment: [:]).dataDirectory == nil)
        #expect(NaveConfiguration().dataDirectory == nil && NaveConfiguration.defaultDataDirectory == "./nave-data")
        let named = try await NaveConfiguration.load(configFile: reference, environment: ["DATA_DIRECTORY": "/srv/nave"])
        #expect(named.dataDirectory == "/srv/nave")
    }

    @Test("configurations.configurationsMax is read, and refused outside 1...1000")
    func configurationsMax() async throws {
        let reference = Self.root.appendingPathComponent("Tuning/reference.yaml").path
        let loaded = try await NaveConfiguration.load(configFile: reference, environment: ["CONFIGURATIONS_CONFIGURATIONS_MAX": "7"])
        #expect(loaded.hub.configurations.configurationsMax == 7)
        var refused = loaded
        refused.hub.configurations.configurationsMax = 0
        #expect(throws: ConfigurationInvalid.self) { try refused.validate() }
    }

    @Test("environment variables override the file")
    func environmentOverrides() async throws {
        let loaded = try await NaveConfiguration.load(
            configFile: Self.root.appendingPathComponent("Tuning/profiles/small-2-core.yaml").path,
            environment: ["MQTT_MAXIMUM_PACKET_BYTES": "4096", "MQTT_LISTENERS": "127.0.0.1:9999", "IO_LOOPS": "1", "ROUTER_SHARDS": "1",
                          "HUB_PLAIN_MQTT_LISTENERS": "127.0.0.1:18884"])
        #expect(loaded.broker.binding.maximumPacketBytes == 4096)
        #expect(loaded.listeners == [.init(host: "127.0.0.1", port: 9999)])
        #expect(loaded.engine.loopCount == 1)
        #expect(loaded.hub.plainMqttListeners == [.init(host: "127.0.0.1", port: 18884)])
        try loaded.validate()
    }

    @Test("limits that contradict each other are refused at start")
    func contradictions() {
        var c = NaveConfiguration()
        c.engine.loopCount = 2
        c.broker.routerShardCount = 3
        #expect(throws: ConfigurationInvalid.self) { try c.validate() }
        c = NaveConfiguration()
        c.broker.subscriberOutboundBytesMax = c.engine.outboundBytesMax
        #expect(throws: ConfigurationInvalid.self) { try c.validate() }
        c = NaveConfiguration()
        c.broker.binding.maximumPacketBytes = 2 << 20
        #expect(throws: ConfigurationInvalid.self) { try c.validate() }  // above subscriberOutboundBytesMax
        c = NaveConfiguration()
        c.broker.loopOutboundBytesMax = c.broker.subscriberOutboundBytesMax - 1
        #expect(throws: ConfigurationInvalid.self) { try c.validate() }  // a loop budget below one subscriber's cap
        c = NaveConfiguration()
        c.listeners = [.init(host: "localhost", port: 1883)]
        #expect(throws: ConfigurationInvalid.self) { try c.validate() }
        c = NaveConfiguration()
        c.engine.closeFlushTimeoutMillis = 0
        #expect(throws: ConfigurationInvalid.self) { try c.validate() }
    }

    @Test("every part refuses with the one ConfigurationInvalid, naming the part or the key in full")
    func oneErrorForEveryPart() {
        func refusal(_ change: (inout NaveConfiguration) -> Void) -> ConfigurationInvalid? {
            var c = NaveConfiguration()
            change(&c)
            do { try c.validate() } catch let error as ConfigurationInvalid { return error } catch { return nil }
            return nil
        }
        #expect(refusal { $0.engine.loopCount = 0 }?.description == "event loop configuration: loopCount must be 1...256 (is 0)")
        #expect(refusal { $0.broker.binding.topicLevelsMax = 0 }?.description == "mqtt limits: topicLevelsMax must be 1...65536 (is 0)")
        #expect(refusal { $0.broker.sessionsMax = 0 }?.description == "broker configuration: sessionsMax must be 1...100000000")
        #expect(refusal { $0.listeners = [] }?.description == "mqtt.listeners must name at least one address")
        #expect(refusal { $0.hub.http.idleTimeoutMillis = 1 }?.description == "https.idleTimeoutMillis must be 100...3600000")
        #expect(refusal { $0.security.useIdentityAsUsername = true }?.description
            == "mqtt.tls.useIdentityAsUsername needs mqtt.tls.requireCertificate")
    }
}
