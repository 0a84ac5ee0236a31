import NaveCore
import NaveMQTT
import NaveModel

/// Decides who may connect on a listener. Called on the connection's loop when CONNECT
/// arrives, before the session is looked up; it must not block (the hub's registry answers
/// from memory).
public protocol ConnectAuthenticator: Sendable {
    func authenticate(_ connect: MQTTConnect, peerCertificateDER: [UInt8]?) -> ConnectDecision
}

public enum ConnectDecision: Sendable {
    /// Connect; a hub device carries its grant (identity, token expiry), a plain client none.
    case accept(HubGrant?)
    /// Connect a general broker client; `username` (as sent, or a certificate's common name)
    /// is what ACL rules name it by, nil for an anonymous client.
    case acceptClient(username: String?)
    /// CONNACK with `code` (4: malformed credentials, 5: not authorised), then close; `reason`
    /// is logged (never the credentials themselves).
    case refuse(MQTTConnectReturnCode, reason: String)
}

/// A device or module identity granted to one connection: it is registered with the hub's
/// presence (so the registry can revoke it, or refuse it when revoked since `admittedAt`), and
/// its SAS token's expiry ends the connection.
/// A class, so a connection without one pays a nil pointer, not the struct's bytes.
public final class HubGrant: Sendable {
    public let identity: IdentityKey
    /// When the SAS token expires; nil for certificate authentication.
    public let expiresAt: Timestamp?
    /// How it authenticated (`sas`, `x509`): stamped on its telemetry.
    public let authMethod: String
    /// The identity's generation id when it was admitted: stamped on its telemetry.
    public let authGenerationID: String?
    public let presence: LiveConnections
    /// When the credentials were checked, in the order of revocations: registering with
    /// `presence` refuses the grant when the identity was revoked since.
    public let admittedAt: RevocationEpoch
    public let clock: any HubClock

    public init(identity: IdentityKey, expiresAt: Timestamp?, authMethod: String, authGenerationID: String? = nil,
                presence: LiveConnections, admittedAt: RevocationEpoch, clock: any HubClock) {
        self.identity = identity
        self.expiresAt = expiresAt
        self.authMethod = authMethod
        self.authGenerationID = authGenerationID
        self.presence = presence
        self.admittedAt = admittedAt
        self.clock = clock
    }
}

/// Anyone may connect: the general broker's default on its plain listener.
public struct AnonymousAuthenticator: ConnectAuthenticator {
    public init() {}
    public func authenticate(_ connect: MQTTConnect, peerCertificateDER: [UInt8]?) -> ConnectDecision { .accept(nil) }
}

/// A listener's admission rules, shared by its connections (one pointer each).
public final class ListenerGate: Sendable {
    public let authenticator: any ConnectAuthenticator
    /// The hub its devices talk to; nil on a plain broker listener with a password file.
    public let hub: Hub?
    /// The general broker's ACL, on its listeners when an ACL file is configured.
    public let access: BrokerAccessControl?

    public init(authenticator: any ConnectAuthenticator, hub: Hub? = nil, access: BrokerAccessControl? = nil) {
        self.authenticator = authenticator
        self.hub = hub
        self.access = access
    }
}
