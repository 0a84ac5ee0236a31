import NaveAuth
@testable import NaveCore
import NaveModel
import Testing

/// The back end's `Authorization` header (contract §4.1): a service token signed with a shared
/// access policy's key, for this hub's host (with or without `:port`), not expired, from a
/// policy holding the rights asked for. Every refusal is 401 IotHubUnauthorizedAccess.
@Suite("Service authorisation")
struct ServiceAuthorizerTests {
    static let now: Int64 = 1_700_000_000

    struct Fixture {
        let authorizer: ServiceAuthorizer
        let registry: IdentityRegistry
        let clock: ManualClock

        /// A token as azure-iot-hub signs it, for `host`, with `policy`'s primary (or `key`).
        func token(policy: String = "iothubowner", host: String = "localhost", key: String? = nil,
                   expiresIn: Int64 = 3600) throws -> String {
            let key = try key ?? #require(registry.policy(named: policy)).primaryKey
            return try SASToken.serviceToken(hostName: host, keyName: policy, key: key, expiry: now + expiresIn)
        }

        /// The refusal's error, or nil when the header was accepted.
        func refusal(_ header: String?, requiring rights: AccessRights = .registryRead) -> HubError? {
            do {
                _ = try authorizer.authorize(header, requiring: rights)
                return nil
            } catch {
                return error
            }
        }
    }

    static func makeFixture(hostName: String = "localhost") async throws -> Fixture {
        let clock = ManualClock(Timestamp(secondsSinceEpoch: now))
        let registry = try await makeRegistry(clock: clock)
        return Fixture(authorizer: ServiceAuthorizer(registry: registry, hostName: hostName, clock: clock), registry: registry, clock: clock)
    }

    static func expectUnauthorized(_ error: HubError?, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(error?.status == 401, comment, sourceLocation: sourceLocation)
        #expect(error?.code == 401_002, comment, sourceLocation: sourceLocation)
        #expect(error?.name == "IotHubUnauthorizedAccess", comment, sourceLocation: sourceLocation)
    }

    @Test("an iothubowner token is accepted for every right and names its policy")
    func owner() async throws {
        let fixture = try await Self.makeFixture()
        let token = try fixture.token()
        for rights: AccessRights in [.registryRead, .registryWrite, .serviceConnect, [.registryRead, .registryWrite, .serviceConnect]] {
            #expect(try fixture.authorizer.authorize(token, requiring: rights).name == "iothubowner")
        }
    }

    @Test("the secondary key signs as well as the primary")
    func secondaryKey() async throws {
        let fixture = try await Self.makeFixture()
        let secondary = try #require(fixture.registry.policy(named: "service")).secondaryKey
        #expect(fixture.refusal(try fixture.token(policy: "service", key: secondary), requiring: .serviceConnect) == nil)
    }

    @Test("a policy without the right is refused: registryRead cannot write, service cannot read the registry")
    func missingRights() async throws {
        let fixture = try await Self.makeFixture()
        let read = try fixture.token(policy: "registryRead")
        #expect(fixture.refusal(read, requiring: .registryRead) == nil)
        Self.expectUnauthorized(fixture.refusal(read, requiring: .registryWrite), "registryRead asked for RegistryWrite")
        Self.expectUnauthorized(fixture.refusal(read, requiring: [.registryRead, .serviceConnect]), "registryRead asked for ServiceConnect too")
        Self.expectUnauthorized(fixture.refusal(try fixture.token(policy: "service"), requiring: .registryRead), "service asked for RegistryRead")
    }

    @Test("refused: no header, not a SAS token, no or unknown skn, expired, another hub, another key")
    func refusals() async throws {
        let fixture = try await Self.makeFixture()
        let ownerKey = try #require(fixture.registry.policy(named: "iothubowner")).primaryKey
        let deviceStyle = try SASToken.deviceToken(resourceURI: "localhost", key: ownerKey, expiry: Self.now + 3600)
        let cases: [(String?, Comment)] = [
            (nil, "no Authorization header"),
            ("", "an empty header"),
            ("Bearer abc.def", "not a shared access signature"),
            (deviceStyle, "a token without skn"),
            (try fixture.token(policy: "nosuchpolicy", key: ownerKey), "an unknown skn"),
            (try fixture.token(expiresIn: 0), "a token expiring now"),
            (try fixture.token(expiresIn: -1), "an expired token"),
            (try fixture.token(host: "otherhub.azure-devices.net"), "a token for another hub"),
            (try fixture.token(host: "localhost.example"), "a token for a longer host name"),
            (try fixture.token(host: "localhost:notaport"), "a port that is not a number"),
            (try fixture.token(key: try #require(fixture.registry.policy(named: "service")).primaryKey), "iothubowner signed with service's key"),
        ]
        for (header, comment) in cases {
            Self.expectUnauthorized(fixture.refusal(header), comment)
        }
    }

    @Test("the host compares with or without :port and in any case (sr=localhost%3A8443)")
    func hostWithPort() async throws {
        let fixture = try await Self.makeFixture()
        let token = try fixture.token(host: "localhost:8443")
        #expect(token.contains("sr=localhost%3A8443&"), "signed as azure-iot-hub signs it (quote_plus)")
        #expect(fixture.refusal(token) == nil)
        #expect(fixture.refusal(try fixture.token(host: "LOCALHOST")) == nil)
        let portHub = try await Self.makeFixture(hostName: "LocalHost:8443")
        #expect(portHub.refusal(try portHub.token(host: "localhost")) == nil, "the hub's own name may carry the port")
    }

    @Test("the clock is read per request, and a regenerated key retires its old tokens")
    func clockAndKeyChanges() async throws {
        let fixture = try await Self.makeFixture()
        let token = try fixture.token(expiresIn: 10)
        #expect(fixture.refusal(token) == nil)
        fixture.clock.advance(seconds: 10)
        Self.expectUnauthorized(fixture.refusal(token), "expired by the clock")
        let fresh = try fixture.token(expiresIn: 3600)
        _ = try await fixture.registry.regenerateKey(policy: "iothubowner", slot: .primary)
        Self.expectUnauthorized(fixture.refusal(fresh), "signed with the replaced primary key")
        #expect(fixture.refusal(try fixture.token(expiresIn: 3600)) == nil, "the new primary key signs")
    }

    // MARK: A connection's remembered token (ServiceTokenCache)

    @Test("a remembered token is accepted again on its connection, and its rights are checked on every request")
    func cachedTokenReused() async throws {
        let fixture = try await Self.makeFixture()
        let cache = ServiceTokenCache()
        let token = try fixture.token(policy: "service")
        #expect(try fixture.authorizer.authorize(token, requiring: .serviceConnect, cache: cache).name == "service")
        #expect(cache.policy(for: token, now: Self.now, currentPolicy: fixture.registry.policy(named:))?.name == "service",
                "the verified token is remembered")
        #expect(try fixture.authorizer.authorize(token, requiring: .serviceConnect, cache: cache).name == "service")
        #expect(throws: HubError.self, "a remembered token grants no more than its policy") {
            try fixture.authorizer.authorize(token, requiring: .registryRead, cache: cache)
        }
        let forged = try fixture.token(policy: "iothubowner", key: try #require(fixture.registry.policy(named: "service")).primaryKey)
        #expect(throws: HubError.self, "another header on the same connection is checked in full") {
            try fixture.authorizer.authorize(forged, requiring: .serviceConnect, cache: cache)
        }
        #expect(cache.policy(for: forged, now: Self.now, currentPolicy: fixture.registry.policy(named:)) == nil)
    }

    @Test("a remembered token stops working when its key is regenerated, its policy deleted, or it expires")
    func cachedTokenRetired() async throws {
        let fixture = try await Self.makeFixture()
        let cache = ServiceTokenCache()
        func refusal(_ token: String) -> HubError? {
            do {
                _ = try fixture.authorizer.authorize(token, requiring: .serviceConnect, cache: cache)
                return nil
            } catch {
                return error
            }
        }

        let primary = try fixture.token(policy: "service")
        #expect(refusal(primary) == nil)
        _ = try await fixture.registry.regenerateKey(policy: "service", slot: .secondary)
        #expect(refusal(primary) == nil, "the secondary changed: the primary still signs (verified again)")
        _ = try await fixture.registry.regenerateKey(policy: "service", slot: .swap)
        #expect(refusal(primary) == nil, "swapped: the first primary is the secondary now, and still signs")
        _ = try await fixture.registry.regenerateKey(policy: "service", slot: .secondary)
        Self.expectUnauthorized(refusal(primary), "its key was regenerated while it was remembered")

        let owner = try fixture.token(policy: "registryReadWrite")
        _ = try fixture.authorizer.authorize(owner, requiring: .registryRead, cache: cache)
        try await fixture.registry.deletePolicy(name: "registryReadWrite")
        #expect(throws: HubError.self, "its policy was deleted while it was remembered") {
            try fixture.authorizer.authorize(owner, requiring: .registryRead, cache: cache)
        }

        let short = try fixture.token(policy: "service", expiresIn: 10)
        #expect(refusal(short) == nil)
        fixture.clock.advance(seconds: 9)
        #expect(refusal(short) == nil)
        fixture.clock.advance(seconds: 1)
        Self.expectUnauthorized(refusal(short), "remembered, then expired by the clock")
    }
}
