import Foundation
import NaveNode
import Testing

/// The general broker's security keys: read from the environment (as the pytest suite sets
/// them), defaulted as Mosquitto 2.0 does, and refused at start when they contradict.
@Suite("Broker security configuration")
struct BrokerSecurityConfigurationTests {
    @Test("keys are read from environment variables; allowAnonymous follows the password file")
    func environment() async throws {
        let loaded = try await NaveConfiguration.load(configFile: nil, environment: [
            "NAVE_MQTT_PASSWORD_FILE": "/etc/nave/passwd", "NAVE_MQTT_ACL_FILE": "/etc/nave/acl",
            "NAVE_MQTT_TLS_LISTENERS": "127.0.0.1:8884", "NAVE_MQTT_TLS_CA_FILE": "/etc/nave/ca.pem",
            "NAVE_MQTT_TLS_REQUIRE_CERTIFICATE": "true", "NAVE_MQTT_TLS_USE_IDENTITY_AS_USERNAME": "true",
        ])
        let security = loaded.security
        #expect(security.passwordFile == "/etc/nave/passwd" && security.aclFile == "/etc/nave/acl")
        #expect(security.tlsListeners == [.init(host: "127.0.0.1", port: 8884)])
        #expect(security.tlsClientCAPath == "/etc/nave/ca.pem" && security.requireCertificate && security.useIdentityAsUsername)
        #expect(security.allowAnonymous == nil && !security.admitsAnonymous)
        let open = try await NaveConfiguration.load(configFile: nil, environment: [:]).security
        #expect(open.admitsAnonymous && !open.restrictsPlainListeners)
        let explicit = try await NaveConfiguration.load(configFile: nil, environment: ["NAVE_MQTT_ALLOW_ANONYMOUS": "false"]).security
        #expect(!explicit.admitsAnonymous && explicit.restrictsPlainListeners)
    }

    @Test("contradicting TLS keys are refused at start", arguments: [
        "useIdentityAsUsername without requireCertificate", "requireCertificate without caFile",
        "chain without key", "TLS listener without certificate or hub",
    ])
    func contradictions(_ case: String) {
        var c = NaveConfiguration()
        c.hub.enabled = false
        switch `case` {
        case "useIdentityAsUsername without requireCertificate":
            c.security.tlsClientCAPath = "/ca.pem"
            c.security.useIdentityAsUsername = true
        case "requireCertificate without caFile":
            c.security.requireCertificate = true
        case "chain without key":
            c.security.tlsCertificateChainPath = "/server.pem"
        default:
            c.security.tlsListeners = [.init(host: "127.0.0.1", port: 8884)]
        }
        #expect(throws: (any Error).self) { try c.validate() }
    }
}
