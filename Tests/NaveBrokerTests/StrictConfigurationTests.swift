import Foundation
import NaveNode
import Testing

/// Issue #16: a configuration with mistakes stops the node, naming each mistake's key, source
/// and what was expected, all at once; `NAVE_*` variables are checked like file keys.
@Suite("Strict configuration")
struct StrictConfigurationTests {
    /// `text` written to a fresh `nave.yaml`; the path.
    static func file(_ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nave-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("nave.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The refusal's lines for `yaml` and `environment`, or [] when it loads.
    static func refusal(_ yaml: String?, environment: [String: String] = [:]) throws -> [String] {
        let path = try yaml.map(file)
        do {
            _ = try NaveConfiguration.resolve(configFile: path, environment: environment)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("an unknown key at any depth is refused with its file, line and the nearest known key")
    func unknownKey() throws {
        let lines = try Self.refusal("""
            mqtt:
              maximumPaketBytes: 4096
            hub:
              tls:
                certificateChian: /x.pem
            bogus: 1
            """)
        #expect(lines == [
            "configuration: bogus (nave.yaml:6): unknown key",
            "configuration: hub.tls.certificateChian (nave.yaml:5): unknown key; did you mean hub.tls.certificateChain?",
            "configuration: mqtt.maximumPaketBytes (nave.yaml:2): unknown key; did you mean mqtt.maximumPacketBytes?",
        ])
    }

    @Test("values that do not parse or are out of range are all refused at once, naming key, value, source and range")
    func everyMistakeAtOnce() throws {
        let lines = try Self.refusal("""
            io:
              loops: abc
              backend: iouring
            mqtt:
              maximumPacketBytes: 12
              listeners: ["localhost:1883", "127.0.0.1:99999"]
              tls:
                requireCertificate: maybe
            hub:
              hostName: a/b
            """, environment: ["NAVE_HTTPS_IDLE_TIMEOUT_MILLIS": "5"])
        #expect(lines == [
            "configuration: io.loops = abc (nave.yaml:2): must be an integer in 1…256",
            "configuration: io.backend = iouring (nave.yaml:3): must be one of automatic, io_uring, epoll",
            "configuration: mqtt.listeners = [localhost:1883, 127.0.0.1:99999] (nave.yaml:6): must be a list of \"host:port\" (numeric IPv4 or [IPv6], port 0…65535)",
            "configuration: mqtt.maximumPacketBytes = 12 (nave.yaml:5): must be an integer in 64…268435460",
            "configuration: mqtt.tls.requireCertificate = maybe (nave.yaml:8): must be true or false",
            "configuration: hub.hostName = a/b (nave.yaml:10): must be a host name",
            "configuration: https.idleTimeoutMillis = 5 (env NAVE_HTTPS_IDLE_TIMEOUT_MILLIS): must be an integer in 100…3600000",
        ])
    }

    @Test("unknown NAVE_ variables are refused with the nearest known one; unprefixed names are not configuration")
    func environmentPrefix() throws {
        #expect(try Self.refusal(nil, environment: ["NAVE_MQTT_MAXIMUM_PAKET_BYTES": "4096"]) == [
            "configuration: NAVE_MQTT_MAXIMUM_PAKET_BYTES: unknown environment variable (NAVE_* variables are configuration keys); "
                + "did you mean NAVE_MQTT_MAXIMUM_PACKET_BYTES?",
        ])
        let unprefixed = try NaveConfiguration.resolve(configFile: nil, environment: ["MQTT_MAXIMUM_PACKET_BYTES": "4096"]).configuration
        #expect(unprefixed.broker.binding.maximumPacketBytes == NaveConfiguration().broker.binding.maximumPacketBytes)
        let prefixed = try NaveConfiguration.resolve(configFile: nil, environment: ["NAVE_MQTT_MAXIMUM_PACKET_BYTES": "4096"]).configuration
        #expect(prefixed.broker.binding.maximumPacketBytes == 4096)
        #expect(ConfigurationSource.environmentName(of: "io.pinThreadsToCPUs") == "NAVE_IO_PIN_THREADS_TO_CPUS")
    }

    @Test("relations between valid keys are refused after the keys themselves")
    func relations() throws {
        #expect(try Self.refusal("router:\n  shards: 3\nio:\n  loops: 2\n")
            == ["configuration: broker configuration: routerShardCount must be 1...loops (2), is 3"])
    }

    @Test("--print-config lists every key with its value and source")
    func printConfig() throws {
        let path = try Self.file("io:\n  loops: 3\n")
        var source = ConfigurationSource(configFile: path, environment: ["NAVE_MQTT_SESSIONS_MAX": "7"])
        source.override("dataDirectory", with: "/srv/nave", option: "--data-dir")
        let (_, reader) = try NaveConfiguration.resolve(source)
        let lines = reader.effectiveListing.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("io.loops: 3 # nave.yaml:2"))
        #expect(lines.contains("mqtt.sessionsMax: 7 # env NAVE_MQTT_SESSIONS_MAX"))
        #expect(lines.contains("dataDirectory: \"/srv/nave\" # option --data-dir"))
        #expect(lines.contains("io.backend: automatic # default"))
        #expect(lines.count == reader.knownKeys.count)
    }

    @Test("a routing: block is read whole, its fields checked with their lines")
    func routingBlock() throws {
        let yaml = """
            routing:
              endpoints:
                - name: hot
                  endpointType: eventhub
              routes:
                - name: critical
                  condition: "level = 'critical'"
                  endpointNames: [hot]
              fallbackRoute:
                isEnabled: false
            """
        let routing = try NaveConfiguration.resolve(configFile: Self.file(yaml), environment: [:]).configuration.hub.routing
        #expect(routing?.routes.map(\.name) == ["critical"] && routing?.endpoints.map(\.name) == ["hot"])
        #expect(routing?.fallbackEnabled == false)
        let typo = yaml.replacingOccurrences(of: "endpointNames: [hot]", with: "endpointName: [hot]")
        #expect(try Self.refusal(typo) == ["configuration: routing.routes[0].endpointName (nave.yaml:8): unknown key; did you mean endpointNames?"])
        let unknownEndpoint = yaml.replacingOccurrences(of: "[hot]", with: "[cold]")
        #expect(try Self.refusal(unknownEndpoint).first?.hasPrefix("configuration: routing (nave.yaml:2): ") == true)
    }
}
