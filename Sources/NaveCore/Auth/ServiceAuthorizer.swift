import NaveAuth
import NaveModel

/// Checks a back end's `Authorization` header (contract §4.1): a SAS token for the hub host,
/// signed with a shared access policy's key (`skn` names the policy), not expired, from a
/// policy holding the rights the operation needs. Any failure is 401 IotHubUnauthorizedAccess.
public struct ServiceAuthorizer: Sendable {
    public let registry: IdentityRegistry
    public let hostName: String
    public let clock: any HubClock

    public init(registry: IdentityRegistry, hostName: String, clock: any HubClock) {
        self.registry = registry
        self.hostName = hostName
        self.clock = clock
    }

    /// The policy that signed `authorization`, if it grants `rights`. With `cache` (one per
    /// HTTP connection), a token that verified on an earlier request of the connection is
    /// accepted again without its HMAC while it is unexpired and its policy unchanged
    /// (`ServiceTokenCache`); the rights are checked on every request either way.
    public func authorize(_ authorization: String?, requiring rights: AccessRights,
                          cache: ServiceTokenCache? = nil) throws(HubError) -> SharedAccessPolicy {
        guard let authorization else { throw .unauthorizedAccess("The request has no Authorization header.") }
        let now = clock.now().secondsSinceEpoch
        let policy: SharedAccessPolicy
        if let cached = cache?.policy(for: authorization, now: now, currentPolicy: registry.policy(named:)) {
            policy = cached
        } else {
            let (verified, expiresAt) = try verify(authorization, now: now)
            cache?.remember(authorization, policy: verified, expiresAt: expiresAt)
            policy = verified
        }
        guard policy.rights.isSuperset(of: rights) else {
            throw .unauthorizedAccess("Policy '\(policy.name)' lacks \(rights.description).")
        }
        return policy
    }

    /// The policy whose key signed `authorization` for this hub, and the token's expiry.
    private func verify(_ authorization: String, now: Int64) throws(HubError) -> (SharedAccessPolicy, expiresAt: Int64) {
        let token: SASToken
        do {
            token = try SASToken(parsing: authorization)
        } catch {
            throw .unauthorizedAccess("The Authorization header is not a shared access signature: \(error)")
        }
        guard let name = token.keyName, let policy = registry.policy(named: name) else {
            throw .unauthorizedAccess("The token names no shared access policy of this hub.")
        }
        switch token.verify(expectedResource: .service(hostName: hostName), keys: [policy.primaryKey, policy.secondaryKey],
                            now: now) {
        case .valid(let expiresAt):
            return (policy, expiresAt)
        case .expired:
            throw .unauthorizedAccess("The token has expired.")
        case .wrongResource:
            throw .unauthorizedAccess("The token is for another hub.")
        case .malformed, .badSignature:
            throw .unauthorizedAccess("The token's signature does not match policy '\(name)'.")
        }
    }
}
