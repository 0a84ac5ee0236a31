import NaveAuth
import NaveCore
import NaveModel
import Testing

/// IoT Hub's CONNECT rules (contract §1.2–§1.5) as one table: each row is a client id, a
/// username, a password (a SAS token signed here the way the device SDK signs it) or a client
/// certificate, and the decision — accepted with the identity and the token's `se`, or refused
/// with the kind that picks CONNACK 4 (`badCredentials`) or 5 (`notAuthorized`).
@Suite("Device authentication")
struct DeviceAuthenticatorTests {
    static let now: Int64 = 1_700_000_000
    static let keyC = "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M="
    static let keyD = "REREREREREREREREREREREREREREREREREREREREREQ="
    /// A well-formed key no identity holds.
    static let strangerKey = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="

    /// Two self-signed device certificates (P-256, EKU clientAuth), made once per run.
    static let certificates: (registered: Certificate, other: Certificate) = {
        let registered = try! DevelopmentCertificates.makeDeviceCertificate(commonName: "x509dev")
        let other = try! DevelopmentCertificates.makeDeviceCertificate(commonName: "x509dev")
        return (try! Certificate(pem: registered.certificatePEM), try! Certificate(pem: other.certificatePEM))
    }()

    enum Password: Sendable {
        case none
        /// A token for `resource` signed with `key`, expiring `expiresIn` seconds after `now`.
        case token(resource: String, key: String, expiresIn: Int64 = 3600)
        case raw(String)
    }

    enum ClientCertificate: Sendable { case none, registered, other }

    enum Expected: Sendable, Equatable {
        case sas(IdentityKey, expiresIn: Int64 = 3600)
        case x509(IdentityKey)
        case badCredentials
        case notAuthorized
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var label: String
        var clientID: String
        var username: String?
        var password: Password = .none
        var certificate: ClientCertificate = .none
        var expected: Expected
        var testDescription: String { label }
    }

    static func username(_ clientID: String, host: String = "localhost") -> String {
        "\(host)/\(clientID)/?api-version=2019-10-01&DeviceClientType=nave-tests%2F1.0"
    }

    static let dev1 = IdentityKey(deviceID: "dev1")
    static let mod1 = IdentityKey(deviceID: "dev1", moduleID: "mod1")

    static let rows: [Row] = [
        // SAS: either key, the module's own key, the expiry handed back.
        Row(label: "device token signed with the primary key", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev1", key: keyA), expected: .sas(dev1)),
        Row(label: "device token signed with the secondary key", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev1", key: keyB, expiresIn: 60), expected: .sas(dev1, expiresIn: 60)),
        Row(label: "module token signed with the module's own key", clientID: "dev1/mod1", username: username("dev1/mod1"),
            password: .token(resource: "localhost/devices/dev1/modules/mod1", key: keyC), expected: .sas(mod1)),
        Row(label: "module token signed with its device's key", clientID: "dev1/mod1", username: username("dev1/mod1"),
            password: .token(resource: "localhost/devices/dev1/modules/mod1", key: keyA), expected: .notAuthorized),
        Row(label: "device token presented by a module", clientID: "dev1/mod1", username: username("dev1/mod1"),
            password: .token(resource: "localhost/devices/dev1", key: keyC), expected: .notAuthorized),
        Row(label: "token signed with a key the device does not have", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev1", key: strangerKey), expected: .notAuthorized),
        // Expiry: se must be after now (§1.3 step 3).
        Row(label: "token expiring one second from now", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev1", key: keyA, expiresIn: 1), expected: .sas(dev1, expiresIn: 1)),
        Row(label: "token expiring exactly now", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev1", key: keyA, expiresIn: 0), expected: .notAuthorized),
        Row(label: "expired token", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev1", key: keyA, expiresIn: -60), expected: .notAuthorized),
        // The resource: the right device on this hub; the host in any case.
        Row(label: "token for another device signed with this device's key", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev2", key: keyA), expected: .notAuthorized),
        Row(label: "token for another hub host", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "otherhub.azure-devices.net/devices/dev1", key: keyA), expected: .notAuthorized),
        Row(label: "host in other case in the token and the username", clientID: "dev1", username: username("dev1", host: "LocalHost"),
            password: .token(resource: "LOCALHOST/devices/dev1", key: keyA), expected: .sas(dev1)),
        Row(label: "device id in other case in the token", clientID: "dev1", username: username("dev1"),
            password: .token(resource: "localhost/devices/DEV1", key: keyA), expected: .notAuthorized),
        // Malformed credentials: CONNACK 4.
        Row(label: "password that is not a SAS token", clientID: "dev1", username: username("dev1"),
            password: .raw("hunter2"), expected: .badCredentials),
        Row(label: "SAS token without se", clientID: "dev1", username: username("dev1"),
            password: .raw("SharedAccessSignature sr=localhost%2Fdevices%2Fdev1&sig=abc"), expected: .badCredentials),
        Row(label: "SAS token with an unknown field", clientID: "dev1", username: username("dev1"),
            password: .raw("SharedAccessSignature sr=localhost%2Fdevices%2Fdev1&sig=abc&se=1800000000&x=1"), expected: .badCredentials),
        Row(label: "no username", clientID: "dev1", username: nil,
            password: .token(resource: "localhost/devices/dev1", key: keyA), expected: .badCredentials),
        Row(label: "username without '/?'", clientID: "dev1", username: "localhost/dev1",
            password: .token(resource: "localhost/devices/dev1", key: keyA), expected: .badCredentials),
        Row(label: "username for another client id", clientID: "dev1", username: username("dev2"),
            password: .token(resource: "localhost/devices/dev1", key: keyA), expected: .badCredentials),
        Row(label: "username for the device on a module's connection", clientID: "dev1/mod1", username: username("dev1"),
            password: .token(resource: "localhost/devices/dev1/modules/mod1", key: keyC), expected: .badCredentials),
        Row(label: "username for another hub host", clientID: "dev1", username: username("dev1", host: "otherhub"),
            password: .token(resource: "localhost/devices/dev1", key: keyA), expected: .badCredentials),
        // Not registered or not enabled: CONNACK 5.
        Row(label: "unknown device", clientID: "ghost", username: username("ghost"),
            password: .token(resource: "localhost/devices/ghost", key: keyA), expected: .notAuthorized),
        Row(label: "unknown module of a known device", clientID: "dev1/ghost", username: username("dev1/ghost"),
            password: .token(resource: "localhost/devices/dev1/modules/ghost", key: keyC), expected: .notAuthorized),
        Row(label: "disabled device with a valid token", clientID: "off", username: username("off"),
            password: .token(resource: "localhost/devices/off", key: keyA), expected: .notAuthorized),
        Row(label: "module of a disabled device with a valid token", clientID: "off/mod1", username: username("off/mod1"),
            password: .token(resource: "localhost/devices/off/modules/mod1", key: keyC), expected: .notAuthorized),
        // X.509 self-signed (§1.4): no password, the thumbprint of the presented certificate.
        Row(label: "certificate matching a SHA-1 thumbprint", clientID: "x509dev", username: username("x509dev"),
            certificate: .registered, expected: .x509(IdentityKey(deviceID: "x509dev"))),
        Row(label: "certificate matching a SHA-256 secondary thumbprint (lower case, colons)", clientID: "x509sha256",
            username: username("x509sha256"), certificate: .registered, expected: .x509(IdentityKey(deviceID: "x509sha256"))),
        Row(label: "certificate that matches no thumbprint", clientID: "x509dev", username: username("x509dev"),
            certificate: .other, expected: .notAuthorized),
        Row(label: "certificate device presenting nothing", clientID: "x509dev", username: username("x509dev"),
            expected: .notAuthorized),
        Row(label: "certificate device presenting a SAS token", clientID: "x509dev", username: username("x509dev"),
            password: .token(resource: "localhost/devices/x509dev", key: keyA), certificate: .registered, expected: .notAuthorized),
        Row(label: "SAS device presenting only a certificate", clientID: "dev1", username: username("dev1"),
            certificate: .registered, expected: .notAuthorized),
        Row(label: "SAS device presenting nothing", clientID: "dev1", username: username("dev1"), expected: .notAuthorized),
    ]

    /// dev1 (keys A, B) with mod1 (keys C, D); `off`, disabled, with its own mod1; two
    /// self-signed devices holding the registered certificate's SHA-1 and SHA-256 thumbprints.
    static func makeAuthenticator() async throws -> (DeviceAuthenticator, ManualClock, IdentityRegistry) {
        let clock = ManualClock(Timestamp(secondsSinceEpoch: now))
        let registry = try await makeRegistry(clock: clock)
        let sas = Authentication.sas(primaryKey: keyA, secondaryKey: keyB)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1", authentication: sas))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "mod1",
                                                       authentication: .sas(primaryKey: keyC, secondaryKey: keyD)), ifMatch: nil)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "off", status: .disabled, authentication: sas))
        _ = try await registry.putModule(ModuleRequest(deviceID: "off", moduleID: "mod1",
                                                       authentication: .sas(primaryKey: keyC, secondaryKey: keyD)), ifMatch: nil)
        let registered = certificates.registered
        _ = try await registry.createDevice(DeviceRequest(deviceID: "x509dev",
                                                          authentication: .selfSigned(primaryThumbprint: registered.sha1Thumbprint)))
        let colonned = stride(from: 0, to: 64, by: 2).map { offset in
            let start = registered.sha256Thumbprint.index(registered.sha256Thumbprint.startIndex, offsetBy: offset)
            return registered.sha256Thumbprint[start..<registered.sha256Thumbprint.index(start, offsetBy: 2)].lowercased()
        }.joined(separator: ":")
        _ = try await registry.createDevice(DeviceRequest(
            deviceID: "x509sha256",
            authentication: .selfSigned(primaryThumbprint: certificates.other.sha1Thumbprint, secondaryThumbprint: colonned)))
        return (DeviceAuthenticator(registry: registry, hostName: "localhost", clock: clock), clock, registry)
    }

    static func password(_ password: Password) throws -> [UInt8]? {
        switch password {
        case .none: return nil
        case .raw(let text): return Array(text.utf8)
        case .token(let resource, let key, let expiresIn):
            return Array(try SASToken.deviceToken(resourceURI: resource, key: key, expiry: now + expiresIn).utf8)
        }
    }

    static func der(_ certificate: ClientCertificate) -> [UInt8]? {
        switch certificate {
        case .none: nil
        case .registered: certificates.registered.der
        case .other: certificates.other.der
        }
    }

    @Test("CONNECT decisions", arguments: rows)
    func decision(_ row: Row) async throws {
        let (authenticator, _, _) = try await Self.makeAuthenticator()
        let decision = authenticator.authenticate(clientID: row.clientID, username: row.username,
                                                  password: try Self.password(row.password), certificateDER: Self.der(row.certificate))
        switch (row.expected, decision) {
        case (.sas(let key, let expiresIn), .accepted(let identity, let expiresAt, let method, _)):
            #expect(identity == key)
            #expect(method == .sas)
            #expect(expiresAt == Timestamp(secondsSinceEpoch: Self.now + expiresIn), "expiresAt is the token's se")
        case (.x509(let key), .accepted(let identity, let expiresAt, let method, _)):
            #expect(identity == key)
            #expect(method == .x509)
            #expect(expiresAt == nil)
        case (.badCredentials, .refused(let refusal)):
            #expect(refusal.kind == .badCredentials, "\(refusal.reason)")
        case (.notAuthorized, .refused(let refusal)):
            #expect(refusal.kind == .notAuthorized, "\(refusal.reason)")
        default:
            Issue.record("expected \(row.expected), got \(decision)")
        }
    }

    @Test("refusal reasons never carry the token or its signature")
    func reasonsAreLogSafe() async throws {
        let (authenticator, _, _) = try await Self.makeAuthenticator()
        let token = try SASToken.deviceToken(resourceURI: "localhost/devices/dev1", key: Self.strangerKey, expiry: Self.now + 60)
        let signature = String(token.split(separator: "&").first { $0.hasPrefix("sig=") }!.dropFirst(4))
        guard case .refused(let refusal) = authenticator.authenticate(clientID: "dev1", username: Self.username("dev1"),
                                                                      password: Array(token.utf8), certificateDER: nil) else {
            Issue.record("a token signed with a stranger's key was accepted")
            return
        }
        #expect(!refusal.reason.contains(signature) && !refusal.reason.contains(Self.strangerKey))
    }

    @Test("the clock is read at every CONNECT: a token accepted now is refused once its se has passed")
    func clockMoves() async throws {
        let (authenticator, clock, registry) = try await Self.makeAuthenticator()
        let token = try Self.password(.token(resource: "localhost/devices/dev1", key: keyA, expiresIn: 30))
        func decide() -> DeviceAuthenticator.Decision {
            authenticator.authenticate(clientID: "dev1", username: Self.username("dev1"), password: token, certificateDER: nil)
        }
        #expect(decide() == .accepted(Self.dev1, expiresAt: Timestamp(secondsSinceEpoch: Self.now + 30), method: .sas,
                                      admittedAt: registry.connections.revocationEpoch))
        clock.advance(seconds: 30)
        guard case .refused(let refusal) = decide() else { Issue.record("accepted at its expiry"); return }
        #expect(refusal.kind == .notAuthorized)
    }

    @Test("registry changes apply to the next CONNECT: disabled, re-keyed, deleted")
    func registryChanges() async throws {
        let (authenticator, _, registry) = try await Self.makeAuthenticator()
        let tokenA = try Self.password(.token(resource: "localhost/devices/dev1", key: keyA))
        func decide(_ token: [UInt8]?) -> DeviceAuthenticator.Decision {
            authenticator.authenticate(clientID: "dev1", username: Self.username("dev1"), password: token, certificateDER: nil)
        }
        /// Accepted as dev1, with the epoch of now: no revocation happens inside a `decide`.
        func accepted() -> DeviceAuthenticator.Decision {
            .accepted(Self.dev1, expiresAt: Timestamp(secondsSinceEpoch: Self.now + 3600), method: .sas,
                      admittedAt: registry.connections.revocationEpoch)
        }
        #expect(decide(tokenA) == accepted())
        let rekeyed = Authentication.sas(primaryKey: Self.keyC, secondaryKey: Self.keyD)
        _ = try await registry.updateDevice(DeviceRequest(deviceID: "dev1", authentication: rekeyed), ifMatch: "*")
        #expect(decide(tokenA) != accepted())
        let tokenC = try Self.password(.token(resource: "localhost/devices/dev1", key: Self.keyC))
        #expect(decide(tokenC) == accepted())
        _ = try await registry.updateDevice(DeviceRequest(deviceID: "dev1", status: .disabled, authentication: rekeyed), ifMatch: "*")
        guard case .refused(let disabled) = decide(tokenC) else { Issue.record("a disabled device was accepted"); return }
        #expect(disabled.kind == .notAuthorized)
        try await registry.deleteDevice("dev1", ifMatch: nil)
        guard case .refused(let deleted) = decide(tokenC) else { Issue.record("a deleted device was accepted"); return }
        #expect(deleted.kind == .notAuthorized)
    }
}
