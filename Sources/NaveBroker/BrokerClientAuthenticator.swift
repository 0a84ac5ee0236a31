import NaveAuth
import NaveMQTT

/// Admits general broker clients as Mosquitto 2.0 does for MQTT 3.1.1 (`src/handle_connect.c`,
/// `src/security.c` `mosquitto_unpwd_check`, `src/security_default.c`):
/// - `useIdentityAsUsername` (TLS listeners): the client certificate's common name becomes
///   the username and the CONNECT's username and password are ignored; no certificate, or
///   one without a common name (or with a NUL in it) → CONNACK 4 (bad username or password);
/// - no username: admitted when anonymous clients are allowed, else CONNACK 5;
/// - a username with a password file: an unknown user, a missing password and a wrong
///   password all → CONNACK 5 (not authorised), never 4;
/// - a username without a password file: `allowAnonymous` decides, and the username is kept
///   for ACLs as the client sent it (Mosquitto trusts it the same way).
public struct BrokerClientAuthenticator: ConnectAuthenticator {
    public let control: BrokerAccessControl
    public let useIdentityAsUsername: Bool

    public init(control: BrokerAccessControl, useIdentityAsUsername: Bool = false) {
        self.control = control
        self.useIdentityAsUsername = useIdentityAsUsername
    }

    public func authenticate(_ connect: MQTTConnect, peerCertificateDER: [UInt8]?) -> ConnectDecision {
        if useIdentityAsUsername { return identityFromCertificate(peerCertificateDER) }
        let policy = control.current
        guard let username = connect.username else {
            return policy.allowAnonymous ? .acceptClient(username: nil) : .refuse(.notAuthorized, reason: "anonymous clients are not allowed")
        }
        guard let passwordFile = policy.passwordFile else {
            return policy.allowAnonymous ? .acceptClient(username: username)
                : .refuse(.notAuthorized, reason: "no password file and anonymous clients are not allowed")
        }
        let check = passwordFile.check(username: username, password: connect.password)
        guard check == .accepted else { return .refuse(.notAuthorized, reason: "password check: \(check.rawValue)") }
        return .acceptClient(username: username)
    }

    private func identityFromCertificate(_ der: [UInt8]?) -> ConnectDecision {
        guard let der else { return .refuse(.badUsernameOrPassword, reason: "no client certificate") }
        guard let name = (try? Certificate(der: der))?.commonName, !name.isEmpty, !name.utf8.contains(0) else {
            return .refuse(.badUsernameOrPassword, reason: "client certificate without a usable common name")
        }
        return .acceptClient(username: name)
    }
}
