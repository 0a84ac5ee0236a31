import NaveMQTT

/// Why the binding ends a connection. Every case except `clientDisconnected` is an abnormal
/// close, after which the will is published (§3.1.2.5); DISCONNECT discards it (§3.14.4).
public enum MQTTCloseReason: Sendable, Equatable, CustomStringConvertible {
    /// The client sent DISCONNECT.
    case clientDisconnected
    /// The peer closed or reset the TCP connection.
    case connectionLost
    /// Bytes that are not a well-formed packet, or a packet over the size limit (§4.8).
    case malformed(MQTTDecodeError)
    /// A well-formed packet that breaks a protocol rule, with the clause it breaks.
    case protocolViolation(clause: String, reason: String)
    /// CONNECT was answered with a refusal (§3.2.2.3); the server closes after CONNACK.
    case connectRefused(MQTTConnectReturnCode)
    /// No CONNECT within the connect timeout.
    case connectTimeout
    /// Nothing received for 1.5 × the keep-alive (§3.1.2.10).
    case keepAliveExpired
    /// Another connection with the same client id arrived (§3.1.4-2).
    case takenOver
    /// The client did not read or acknowledge for longer than the slow-consumer timeout.
    case slowConsumer
    /// The server is shutting down.
    case serverShutdown
    /// The hub revoked the connection's identity (device disabled or deleted, keys changed).
    case credentialsRevoked(String)
    /// The SAS token the connection authenticated with expired (IoT Hub's 401003).
    case tokenExpired
    /// The hub could not take a publish that needs an acknowledgement (telemetry not stored,
    /// e.g. a full disk: IoT Hub's 503001). MQTT 3.1.1 has no negative PUBACK (§3.4), so the
    /// connection closes without one and the device sends the message again after reconnecting.
    case hubRefused(code: Int, reason: String)

    /// Whether the will message is published (§3.1.2.5: every close but DISCONNECT).
    public var publishesWill: Bool { self != .clientDisconnected }

    /// A log-safe description: codes, clauses and sizes only, never packet contents.
    public var description: String {
        switch self {
        case .clientDisconnected: "client sent DISCONNECT"
        case .connectionLost: "connection lost"
        case .malformed(let error): "malformed packet: \(error)"
        case .protocolViolation(let clause, let reason): "protocol violation (\(clause)): \(reason)"
        case .connectRefused(let code): "connect refused with return code \(code.rawValue) (\(code))"
        case .connectTimeout: "no CONNECT before the connect timeout"
        case .keepAliveExpired: "keep-alive expired (1.5 × keep-alive without a packet, §3.1.2.10)"
        case .takenOver: "taken over by a new connection with the same client id (§3.1.4-2)"
        case .slowConsumer: "slow consumer: did not read or acknowledge within the timeout"
        case .serverShutdown: "server shutting down"
        case .credentialsRevoked(let why): "credentials revoked: \(why)"
        case .tokenExpired: "SAS token expired"
        case .hubRefused(let code, let reason): "hub refused a publish (\(code)): \(reason)"
        }
    }
}
