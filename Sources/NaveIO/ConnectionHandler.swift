/// Why a connection ended, as its handler is told once.
public enum CloseReason: Sendable, Equatable {
    /// The application called `close()` or `abort()`.
    case local
    /// The peer closed its side and the handler did not keep the connection half-open.
    case endOfInput
    /// The peer reset the connection, or the socket failed (errno).
    case socketError(Errno)
    /// A connect attempt failed (errno).
    case connectFailed(Errno)
    /// Queued outbound bytes passed `outboundBytesMax`: a reader that does not read is cut off
    /// rather than allowed to grow memory without bound.
    case outboundLimitExceeded
    /// The loop is shutting down.
    case shutdown
    /// The TLS handshake or a TLS record failed (OpenSSL's reason).
    case tlsFailed(String)
}

/// The application side of one TCP connection. Every method runs on the connection's loop
/// thread, synchronously with the completion that caused it, so a handler is loop-confined state
/// that needs no locks. Received bytes are lent for the duration of the call only: a handler
/// decodes them or copies what it keeps.
public protocol ConnectionHandler: AnyObject {
    /// The connection is established (accepted, or an outgoing connect completed; on TLS
    /// connections, once the handshake is done).
    func connectionActive(_ connection: Connection)
    /// Bytes arrived. The buffer is valid only during this call.
    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer)
    /// The peer half-closed (FIN). The default closes the connection once queued bytes are sent.
    func connectionDidReachEndOfInput(_ connection: Connection)
    /// Queued outbound bytes fell below the low-water mark after having passed the high-water
    /// mark; reading was resumed by the engine.
    func connectionDidBecomeWritable(_ connection: Connection)
    /// The connection ended; no further calls follow. Called exactly once per connection.
    func connectionDidClose(_ connection: Connection, reason: CloseReason)
}

extension ConnectionHandler {
    public func connectionActive(_ connection: Connection) {}
    public func connectionDidReachEndOfInput(_ connection: Connection) { connection.close() }
    public func connectionDidBecomeWritable(_ connection: Connection) {}
}
