import NaveAuth
import NaveModel

/// Decides whether a device or module may connect, the way IoT Hub does (contract §1.2–§1.4):
/// the MQTT username names the hub and the client, the password is a SAS token signed with one
/// of the identity's two keys, or — with no password — the TLS client certificate matches a
/// registered thumbprint. Reads the in-memory registry only: an HMAC and a lookup, no disk.
public struct DeviceAuthenticator: Sendable {
    public let registry: IdentityRegistry
    /// The hub host name tokens and usernames must name (compared case-insensitively).
    public let hostName: String
    public let clock: any HubClock

    public init(registry: IdentityRegistry, hostName: String, clock: any HubClock) {
        self.registry = registry
        self.hostName = hostName
        self.clock = clock
    }

    public enum Decision: Sendable, Equatable {
        /// `expiresAt`: the SAS token's expiry (nil for a certificate). `admittedAt`: taken
        /// before the registry was read; a connection registers with it, so a revocation since
        /// (the registry's answer may already be stale) refuses it (`LiveConnections.register`).
        case accepted(IdentityKey, expiresAt: Timestamp?, method: AuthenticationMethod, admittedAt: RevocationEpoch)
        case refused(Refusal)
    }

    public enum AuthenticationMethod: String, Sendable, Equatable { case sas, x509 }

    /// Why a connection is refused; `kind` picks the protocol's code (MQTT CONNACK 4 or 5).
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// Malformed username or token (CONNACK 4).
            case badCredentials
            /// Well-formed but not allowed: unknown, disabled, expired, wrong signature (CONNACK 5).
            case notAuthorized
        }

        public var kind: Kind
        /// A log-safe reason: never the token or a key.
        public var reason: String
        public var description: String { reason }
    }

    /// Authenticates a CONNECT from `clientID` (`device` or `device/module`).
    public func authenticate(clientID: String, username: String?, password: [UInt8]?,
                             certificateDER: [UInt8]?) -> Decision {
        guard let username else { return refuse(.badCredentials, "no username (IoT Hub needs {host}/{client id}/?api-version=…)") }
        let parsed: MQTTUsername
        do {
            parsed = try MQTTUsername(parsing: username, clientID: clientID, expectedHostName: hostName)
        } catch {
            return refuse(.badCredentials, "username: \(error)")
        }
        let key = IdentityKey(deviceID: parsed.deviceID, moduleID: parsed.moduleID)
        // Before the registry is read: a revocation after this point refuses the registration.
        let admittedAt = registry.connections.revocationEpoch
        guard let credentials = credentials(of: key) else { return refuse(.notAuthorized, "\(key) is not registered or is disabled") }
        if let password {
            return authenticate(key, token: String(decoding: password, as: UTF8.self), authentication: credentials,
                                admittedAt: admittedAt)
        }
        if let certificateDER {
            return authenticate(key, certificate: certificateDER, authentication: credentials, admittedAt: admittedAt)
        }
        return refuse(.notAuthorized, "no password and no client certificate")
    }

    /// Authenticates an HTTPS device request (contract §2): `authorization` is the same SAS
    /// token the device uses as its MQTT password, and must be for `key` itself (its `sr` is
    /// `{host}/devices/{id}`), so a device reaches only its own resources.
    public func authenticate(_ key: IdentityKey, authorization: String?) -> Decision {
        guard let authorization else { return refuse(.badCredentials, "no Authorization header") }
        let admittedAt = registry.connections.revocationEpoch
        guard let credentials = credentials(of: key) else { return refuse(.notAuthorized, "\(key) is not registered or is disabled") }
        return authenticate(key, token: authorization, authentication: credentials, admittedAt: admittedAt)
    }

    /// The identity's authentication, or nil when it is unknown or its device is disabled.
    private func credentials(of key: IdentityKey) -> Authentication? {
        guard let device = registry.device(key.deviceID), device.status == .enabled else { return nil }
        guard let moduleID = key.moduleID else { return device.authentication }
        return registry.module(key.deviceID, moduleID)?.authentication
    }

    private func authenticate(_ key: IdentityKey, token: String, authentication: Authentication,
                              admittedAt: RevocationEpoch) -> Decision {
        guard authentication.kind == .sas else { return refuse(.notAuthorized, "\(key) authenticates with \(authentication.kind.rawValue), not SAS") }
        let resource: SASResource = key.moduleID.map { .module(hostName: hostName, deviceID: key.deviceID, moduleID: $0) }
            ?? .device(hostName: hostName, deviceID: key.deviceID)
        let keys = [authentication.primaryKey, authentication.secondaryKey].compactMap { $0 }
        switch SASToken.verify(token, expectedResource: resource, keys: keys, now: clock.now().secondsSinceEpoch) {
        case .valid(let expiresAt):
            return .accepted(key, expiresAt: Timestamp(secondsSinceEpoch: expiresAt), method: .sas, admittedAt: admittedAt)
        case .malformed(let error):
            return refuse(.badCredentials, "token: \(error)")
        case .expired:
            return refuse(.notAuthorized, "token expired")
        case .wrongResource:
            return refuse(.notAuthorized, "token is for another resource")
        case .badSignature:
            return refuse(.notAuthorized, "token signature does not match the device's keys")
        }
    }

    private func authenticate(_ key: IdentityKey, certificate der: [UInt8], authentication: Authentication,
                              admittedAt: RevocationEpoch) -> Decision {
        switch authentication.kind {
        case .selfSigned:
            let thumbprints = [authentication.primaryThumbprint, authentication.secondaryThumbprint].compactMap { $0 }
            guard thumbprints.contains(where: { Thumbprint.matches($0, der: der) }) else {
                return refuse(.notAuthorized, "client certificate thumbprint does not match \(key)")
            }
            return .accepted(key, expiresAt: nil, method: .x509, admittedAt: admittedAt)
        case .certificateAuthority:
            return refuse(.notAuthorized, "CA-signed device certificates need a configured CA (not supported yet)")
        case .sas, .none:
            return refuse(.notAuthorized, "\(key) does not authenticate with a certificate")
        }
    }

    private func refuse(_ kind: Refusal.Kind, _ reason: String) -> Decision {
        .refused(Refusal(kind: kind, reason: reason))
    }
}
