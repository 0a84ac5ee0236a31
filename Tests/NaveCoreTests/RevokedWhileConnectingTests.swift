import NaveAuth
import NaveCore
import NaveModel
import Testing

/// Issue #11, item 6: a CONNECT checked against the registry, then the identity revoked, then
/// the connection registered with presence. The revocation found nothing to end, so before the
/// fix the connection stayed with stale credentials. Each test runs the three steps in a fixed
/// order on one task — the interleaving is the test's own, not the scheduler's.
@Suite("Revoked while connecting")
struct RevokedWhileConnectingTests {
    static let dev1 = IdentityKey(deviceID: "dev1")
    static let mod1 = IdentityKey(deviceID: "dev1", moduleID: "mod1")
    /// New keys, neither of them the key A the tokens here are signed with.
    static let rekeyed = Authentication.sas(primaryKey: DeviceAuthenticatorTests.keyC, secondaryKey: DeviceAuthenticatorTests.keyD)

    /// A change to the registry that revokes `dev1` or `dev1/mod1`.
    struct Revocation: Sendable, CustomTestStringConvertible {
        let name: String
        let identity: IdentityKey
        let reason: RevocationReason
        let apply: @Sendable (IdentityRegistry) async throws -> Void
        var testDescription: String { "\(name) (\(identity))" }
    }

    static let revocations: [Revocation] = [
        Revocation(name: "device disabled", identity: dev1, reason: .deviceDisabled) {
            _ = try await $0.updateDevice(DeviceRequest(deviceID: "dev1", status: .disabled, authentication: .sas(primaryKey: keyA, secondaryKey: keyB)), ifMatch: "*")
        },
        Revocation(name: "device deleted", identity: dev1, reason: .deviceDeleted) {
            try await $0.deleteDevice("dev1", ifMatch: nil)
        },
        Revocation(name: "device deleted in bulk", identity: dev1, reason: .deviceDeleted) {
            _ = try await $0.bulk([ExportImportDevice(deviceID: "dev1", importMode: .delete)])
        },
        Revocation(name: "device keys changed", identity: dev1, reason: .credentialsChanged) {
            _ = try await $0.updateDevice(DeviceRequest(deviceID: "dev1", authentication: rekeyed), ifMatch: "*")
        },
        Revocation(name: "device disabled", identity: mod1, reason: .deviceDisabled) {
            _ = try await $0.updateDevice(DeviceRequest(deviceID: "dev1", status: .disabled, authentication: .sas(primaryKey: keyA, secondaryKey: keyB)), ifMatch: "*")
        },
        Revocation(name: "device deleted", identity: mod1, reason: .deviceDeleted) {
            try await $0.deleteDevice("dev1", ifMatch: nil)
        },
        Revocation(name: "module deleted", identity: mod1, reason: .deviceDeleted) {
            try await $0.deleteModule("dev1", "mod1", ifMatch: nil)
        },
        Revocation(name: "module keys changed", identity: mod1, reason: .credentialsChanged) {
            _ = try await $0.putModule(ModuleRequest(deviceID: "dev1", moduleID: "mod1", authentication: rekeyed), ifMatch: "*")
        },
    ]

    /// dev1 and dev1/mod1 with keys A and B; dev2 alongside.
    static func makeHub() async throws -> (IdentityRegistry, DeviceAuthenticator) {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        for deviceID in ["dev1", "dev2"] {
            _ = try await registry.createDevice(DeviceRequest(deviceID: deviceID, authentication: .sas(primaryKey: keyA, secondaryKey: keyB)))
        }
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "mod1",
                                                       authentication: .sas(primaryKey: keyA, secondaryKey: keyB)), ifMatch: nil)
        return (registry, DeviceAuthenticator(registry: registry, hostName: "localhost", clock: clock))
    }

    /// The CONNECT check for `identity` with a token signed by key A.
    static func check(_ identity: IdentityKey, with authenticator: DeviceAuthenticator) throws -> DeviceAuthenticator.Decision {
        let resource = identity.moduleID.map { "localhost/devices/\(identity.deviceID)/modules/\($0)" } ?? "localhost/devices/\(identity.deviceID)"
        let token = try SASToken.deviceToken(resourceURI: resource, key: keyA, expiry: 1_700_003_600)
        return authenticator.authenticate(clientID: identity.description,
                                          username: "localhost/\(identity)/?api-version=2021-04-12",
                                          password: Array(token.utf8), certificateDER: nil)
    }

    @Test("checked, then revoked, then registered: the registration is refused and nothing stays connected", arguments: revocations)
    func revokedBetweenCheckAndRegister(_ revocation: Revocation) async throws {
        let (registry, authenticator) = try await Self.makeHub()
        guard case .accepted(let identity, _, _, let admittedAt) = try Self.check(revocation.identity, with: authenticator) else {
            Issue.record("the check refused \(revocation.identity) before anything changed")
            return
        }
        try await revocation.apply(registry)
        let connection = RecordingConnection()
        let registered = registry.connections.register(connection, as: identity, at: .never, admittedAt: admittedAt)
        #expect(!registered, "registered with credentials revoked while it was being checked")
        #expect(!registry.connections.presence(of: identity).isConnected)
        #expect(registry.connections.connection(of: identity) == nil)
        #expect(registry.connections.connectedDeviceCount == 0)
    }

    @Test("revoked before the check: the check refuses (CONNACK 5)", arguments: revocations)
    func revokedBeforeCheck(_ revocation: Revocation) async throws {
        let (registry, authenticator) = try await Self.makeHub()
        try await revocation.apply(registry)
        guard case .refused(let refusal) = try Self.check(revocation.identity, with: authenticator) else {
            Issue.record("\(revocation.name): accepted after the change")
            return
        }
        #expect(refusal.kind == .notAuthorized)
    }

    @Test("registered, then revoked: the revocation ends the connection", arguments: revocations)
    func revokedAfterRegister(_ revocation: Revocation) async throws {
        let (registry, authenticator) = try await Self.makeHub()
        guard case .accepted(let identity, _, _, let admittedAt) = try Self.check(revocation.identity, with: authenticator) else {
            Issue.record("the check refused \(revocation.identity) before anything changed")
            return
        }
        let connection = RecordingConnection()
        #expect(registry.connections.register(connection, as: identity, at: .never, admittedAt: admittedAt))
        try await revocation.apply(registry)
        #expect(connection.revoked == [revocation.reason])
    }

    @Test("another identity's revocation between the check and the registration refuses nothing")
    func othersRevocationsDoNotRefuse() async throws {
        let (registry, authenticator) = try await Self.makeHub()
        guard case .accepted(let identity, _, _, let admittedAt) = try Self.check(Self.dev1, with: authenticator) else {
            Issue.record("dev1 refused")
            return
        }
        _ = try await registry.updateDevice(DeviceRequest(deviceID: "dev2", status: .disabled, authentication: .sas(primaryKey: keyA, secondaryKey: keyB)), ifMatch: "*")
        try await registry.deleteModule("dev1", "mod1", ifMatch: nil)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev3"))
        try await registry.deleteDevice("dev3", ifMatch: nil)
        #expect(registry.connections.register(RecordingConnection(), as: identity, at: .never, admittedAt: admittedAt))
        #expect(registry.connections.presence(of: identity).isConnected)
    }

    @Test("a device deleted and created again: a CONNECT checked after the new one exists registers")
    func recreated() async throws {
        let (registry, authenticator) = try await Self.makeHub()
        try await registry.deleteDevice("dev1", ifMatch: nil)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1", authentication: .sas(primaryKey: keyA, secondaryKey: keyB)))
        guard case .accepted(let identity, _, _, let admittedAt) = try Self.check(Self.dev1, with: authenticator) else {
            Issue.record("the re-created dev1 was refused")
            return
        }
        #expect(registry.connections.register(RecordingConnection(), as: identity, at: .never, admittedAt: admittedAt))
    }
}
