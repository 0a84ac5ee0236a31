import NaveAuth
import NaveCore
import NaveModel

/// Decides `$cbs` put-token requests (contract §5.2, §6.3) against the hub's shared access
/// policies. Two token flavours arrive:
/// - Event Hubs clients (azure-eventhub, pyamqp or uamqp): audience `sb://{host}/{hub}[/…]`,
///   the token signed over `quote_plus(audience)` with the key's raw UTF-8 bytes; `sr` must equal
///   the audience or be a prefix of it.
/// - The IoT Hub service SDK (uamqp, C2D): audience `https://{host}`, `sr={host}`, signed with
///   the base64-decoded key, like every other IoT Hub service token.
/// Either way the policy needs ServiceConnect: it is what IoT Hub asks of back ends reading the
/// built-in endpoint and sending C2D.
struct CBSAuthorizer: Sendable {
    let registry: IdentityRegistry
    let hostName: String
    let eventHubName: String
    let clock: any HubClock
    /// Whether a lower-cased entity other than `eventHubName` is one of the hub's Event Hubs
    /// (routing's `eventhub` endpoints, issue #15).
    var isOtherEventHub: @Sendable (String) -> Bool = { _ in false }

    /// A put-token the endpoint refuses: answered with `status` (401 for any credential
    /// problem, so the SDKs raise their authentication errors) and the reason.
    struct Refusal: Error, Equatable {
        var status: Int32
        var description: String
    }

    /// The token types the SDKs send (`type` application property).
    static let tokenTypes: Set<String> = ["servicebus.windows.net:sastoken", "azure-devices.net:sastoken"]

    func putToken(audience: String, token: String, type: String?) -> Result<CBSGrant, Refusal> {
        guard let type, Self.tokenTypes.contains(type) else {
            return .failure(Refusal(status: 400, description: "Unsupported token type '\(type ?? "")'."))
        }
        let parsed: SASToken
        do { parsed = try SASToken(parsing: token) } catch {
            return .failure(Refusal(status: 401, description: "The token is not a shared access signature: \(error)"))
        }
        guard let name = parsed.keyName, let policy = registry.policy(named: name) else {
            return .failure(Refusal(status: 401, description: "The token names no shared access policy of this hub."))
        }
        let scope: CBSGrant.Scope
        let resource: SASResource
        let encoding: SASKeyEncoding
        if let path = eventHubPath(ofAudience: audience) {
            scope = .eventHub(path: path)
            resource = .audience(audience)
            encoding = .utf8
        } else if serviceAudienceNamesHub(audience) {
            scope = .hub
            resource = .service(hostName: hostName)
            encoding = .base64Decoded
        } else {
            return .failure(Refusal(status: 401, description: "The audience '\(audience)' is not this hub's."))
        }
        switch parsed.verify(expectedResource: resource, keys: [policy.primaryKey, policy.secondaryKey],
                             now: clock.now().secondsSinceEpoch, keyEncoding: encoding) {
        case .valid(let expiresAt):
            guard policy.rights.contains(.serviceConnect) else {
                return .failure(Refusal(status: 401, description: "Policy '\(name)' lacks ServiceConnect."))
            }
            return .success(CBSGrant(audience: audience, scope: scope, rights: policy.rights, expiresAt: expiresAt))
        case .expired:
            return .failure(Refusal(status: 401, description: "The token has expired."))
        case .wrongResource:
            return .failure(Refusal(status: 401, description: "The token's resource does not match the audience '\(audience)'."))
        case .malformed, .badSignature:
            return .failure(Refusal(status: 401, description: "The token's signature does not match policy '\(name)'."))
        }
    }

    /// `myhub[/…]` (lower-cased) from `sb://{host}[:port]/myhub[/…]` when the host is this hub's
    /// and the entity is its event hub; nil for any other audience.
    func eventHubPath(ofAudience audience: String) -> String? {
        let lowered = audience.lowercased()
        let schemes = ["sb://", "amqps://", "amqp://"]
        guard let scheme = schemes.first(where: lowered.hasPrefix) else { return nil }
        let rest = lowered.dropFirst(scheme.count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        guard sameHost(String(rest[..<slash])) else { return nil }
        var path = String(rest[rest.index(after: slash)...])
        while path.hasSuffix("/") { path.removeLast() }
        let entity = path.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        guard entity == eventHubName.lowercased() || isOtherEventHub(entity) else { return nil }
        return path
    }

    /// `https://{host}`, `amqps://{host}`, or the bare host, with or without a port or a
    /// trailing `/` (uamqp names `https://` + HostName, §5.2).
    private func serviceAudienceNamesHub(_ audience: String) -> Bool {
        var rest = Substring(audience.lowercased())
        for scheme in ["https://", "amqps://", "amqp://", "sb://"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            break
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        return !rest.contains("/") && sameHost(String(rest))
    }

    /// `authority` (host or host:port) names the hub host; DNS names compare case-insensitively.
    private func sameHost(_ authority: String) -> Bool {
        func host(_ text: String) -> String {
            (text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text).lowercased()
        }
        return host(authority) == host(hostName)
    }
}
