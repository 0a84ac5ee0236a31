/// The server's answer to CONNECT (MQTT 3.1.1 §3.2).
public struct MQTTConnAck: Sendable, Hashable {
    /// Whether the server resumed a stored session for this client (§3.2.2.2). Must be false
    /// when `returnCode` refuses the connection [MQTT-3.2.2-4]; the decoder enforces it.
    public var sessionPresent: Bool
    /// Whether the connection was accepted, and if not, why (§3.2.2.3).
    public var returnCode: MQTTConnectReturnCode

    /// Creates a CONNACK.
    public init(sessionPresent: Bool = false, returnCode: MQTTConnectReturnCode) {
        self.sessionPresent = sessionPresent
        self.returnCode = returnCode
    }
}

/// The CONNACK return code (MQTT 3.1.1 §3.2.2.3, table 3.1). Values 6–255 are reserved and
/// never decode.
public enum MQTTConnectReturnCode: UInt8, Sendable, Hashable, CaseIterable {
    /// Connection accepted.
    case accepted = 0
    /// The server does not support the protocol level the client asked for (§3.1.2.2).
    case unacceptableProtocolVersion = 1
    /// The client identifier is well-formed UTF-8 but not allowed by the server (§3.1.3.1).
    case identifierRejected = 2
    /// The network connection was made but the MQTT service is unavailable.
    case serverUnavailable = 3
    /// The user name or password is malformed or wrong.
    case badUsernameOrPassword = 4
    /// The client is not authorized to connect.
    case notAuthorized = 5
}
