import NaveCore
import NaveMQTT
import NaveModel

/// The device listeners' gate: IoT Hub's CONNECT rules (`DeviceAuthenticator`) answered with
/// the CONNACK codes the Azure device SDK maps (contract §1.5): 4 for a malformed username or
/// token, 5 for everything not allowed.
public struct HubDeviceAuthenticator: ConnectAuthenticator {
    let authenticator: DeviceAuthenticator

    public init(registry: IdentityRegistry, hostName: String, clock: any HubClock) {
        authenticator = DeviceAuthenticator(registry: registry, hostName: hostName, clock: clock)
    }

    public func authenticate(_ connect: MQTTConnect, peerCertificateDER: [UInt8]?) -> ConnectDecision {
        let decision = authenticator.authenticate(clientID: connect.clientID, username: connect.username,
                                                  password: connect.password, certificateDER: peerCertificateDER)
        switch decision {
        case .accepted(let identity, let expiresAt, let method, let admittedAt):
            return .accept(HubGrant(identity: identity, expiresAt: expiresAt, authMethod: method.rawValue,
                                    authGenerationID: authenticator.registry.generationID(of: identity),
                                    presence: authenticator.registry.connections, admittedAt: admittedAt,
                                    clock: authenticator.clock))
        case .refused(let refusal):
            let code: MQTTConnectReturnCode = refusal.kind == .badCredentials ? .badUsernameOrPassword : .notAuthorized
            return .refuse(code, reason: refusal.reason)
        }
    }
}
