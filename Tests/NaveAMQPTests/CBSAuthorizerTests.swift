import NaveAuth
import NaveCore
import NaveEncoding
import NaveModel
@testable import NaveAMQP
import NaveTestSupport
import Testing

/// `$cbs` put-token decisions for both token flavours (contract §5.2, §6.3).
@Suite("CBS put-token authorisation")
struct CBSAuthorizerTests {
    let clock = ManualClock()
    let now: Int64 = 1_700_000_000

    func authorizer() async throws -> (CBSAuthorizer, SharedAccessPolicy, SharedAccessPolicy) {
        let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SeededHubRandom())
        let service = try await registry.createPolicy(name: "svc", rights: [.serviceConnect])
        let reader = try await registry.createPolicy(name: "readonly", rights: [.registryRead])
        return (CBSAuthorizer(registry: registry, hostName: "localhost", eventHubName: "myhub", clock: clock), service, reader)
    }

    /// azure-eventhub's token: HMAC over quote_plus(audience) with the key's raw UTF-8 bytes.
    func eventHubsToken(audience: String, policy: String, key: String, expiry: Int64) -> String {
        let encoded = PercentEncoding.encodePlus(audience)
        let signature = try! SASToken.signature(stringToSign: encoded + "\n" + String(expiry), key: key, keyEncoding: .utf8)
        return "SharedAccessSignature sr=\(encoded)&sig=\(PercentEncoding.encodePlus(signature))&se=\(expiry)&skn=\(policy)"
    }

    @Test("an Event Hubs token signed with the raw key grants its audience and what is below it")
    func eventHubsTokenAccepted() async throws {
        let (authorizer, service, _) = try await authorizer()
        let audience = "sb://localhost/myhub/consumergroups/$Default"
        let token = eventHubsToken(audience: audience, policy: "svc", key: service.primaryKey, expiry: now + 3600)
        let grant = try authorizer.putToken(audience: audience, token: token, type: "servicebus.windows.net:sastoken").get()
        #expect(grant.scope == .eventHub(path: "myhub/consumergroups/$default"))
        #expect(grant.expiresAt == now + 3600)
        #expect(grant.covers(eventHubPath: "myhub/consumergroups/$default", rights: .serviceConnect, now: now))
        #expect(!grant.covers(eventHubPath: "myhub", rights: .serviceConnect, now: now))
        #expect(!grant.covers(eventHubPath: nil, rights: .serviceConnect, now: now))
        #expect(!grant.covers(eventHubPath: "myhub/consumergroups/$default", rights: .serviceConnect, now: now + 3600))
    }

    @Test("the same token signed with the base64-decoded key, a wrong key, another hub or an expired one is 401")
    func eventHubsTokenRefused() async throws {
        let (authorizer, service, _) = try await authorizer()
        let audience = "sb://localhost/myhub"
        let wrongKey = eventHubsToken(audience: audience, policy: "svc", key: service.secondaryKey + "x", expiry: now + 60)
        let expired = eventHubsToken(audience: audience, policy: "svc", key: service.primaryKey, expiry: now - 1)
        let otherHub = eventHubsToken(audience: "sb://localhost/other", policy: "svc", key: service.primaryKey, expiry: now + 60)
        let iotHubFlavour = try SASToken.serviceToken(hostName: "localhost", keyName: "svc", key: service.primaryKey, expiry: now + 60)
        for (audience, token) in [(audience, wrongKey), (audience, expired), ("sb://localhost/other", otherHub), (audience, iotHubFlavour)] {
            guard case .failure(let refusal) = authorizer.putToken(audience: audience, token: token, type: "servicebus.windows.net:sastoken") else {
                Issue.record("accepted \(audience)")
                continue
            }
            #expect(refusal.status == 401)
        }
    }

    @Test("the service SDK's C2D token (sr = host, base64-decoded key) grants the whole hub")
    func serviceTokenAccepted() async throws {
        let (authorizer, service, _) = try await authorizer()
        let token = try SASToken.serviceToken(hostName: "localhost", keyName: "svc", key: service.primaryKey, expiry: now + 3600)
        let grant = try authorizer.putToken(audience: "https://localhost", token: token, type: "servicebus.windows.net:sastoken").get()
        #expect(grant.scope == .hub)
        #expect(grant.covers(eventHubPath: nil, rights: .serviceConnect, now: now))
    }

    @Test("a policy without ServiceConnect, an unknown policy or an unknown token type is refused")
    func rightsAndTypes() async throws {
        let (authorizer, service, reader) = try await authorizer()
        let readOnly = try SASToken.serviceToken(hostName: "localhost", keyName: "readonly", key: reader.primaryKey, expiry: now + 60)
        #expect(throws: CBSAuthorizer.Refusal.self) { try authorizer.putToken(audience: "https://localhost", token: readOnly, type: "servicebus.windows.net:sastoken").get() }
        let unknown = try SASToken.serviceToken(hostName: "localhost", keyName: "nobody", key: service.primaryKey, expiry: now + 60)
        #expect(throws: CBSAuthorizer.Refusal.self) { try authorizer.putToken(audience: "https://localhost", token: unknown, type: "servicebus.windows.net:sastoken").get() }
        let good = try SASToken.serviceToken(hostName: "localhost", keyName: "svc", key: service.primaryKey, expiry: now + 60)
        guard case .failure(let refusal) = authorizer.putToken(audience: "https://localhost", token: good, type: "jwt") else {
            Issue.record("an unknown token type was accepted")
            return
        }
        #expect(refusal.status == 400)
    }
}
