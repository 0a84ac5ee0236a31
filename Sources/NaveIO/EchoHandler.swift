/// Writes every received byte back. The engine's reference workload: the echo server in
/// `nave-echo`, the conformance tests and the echo benchmark (the ceiling the broker is measured
/// against) all run this handler.
public final class EchoHandler: ConnectionHandler {
    public init() {}

    public func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        connection.write(bytes)
    }

    public func connectionDidClose(_ connection: Connection, reason: CloseReason) {}
}
