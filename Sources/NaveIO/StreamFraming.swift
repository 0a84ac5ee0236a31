/// A message framing between the transport (TCP, or TLS) and the handler, installed on a
/// running connection — WebSocket after an HTTP upgrade — so the handler above it still sees a
/// plain byte stream: MQTT over WebSockets runs the same MQTT handler as MQTT over TLS.
public protocol StreamFraming: AnyObject {
    /// Wraps handler bytes into frames appended to `output`.
    func frame(_ payload: UnsafeRawBufferPointer, into output: inout [UInt8])
    /// Unwraps received transport bytes: payload bytes go to `deliver`, control answers (pong,
    /// close) to `reply`, which sends them unframed. Returns false when the peer closed the
    /// framing or broke it; the connection is then closed.
    func unframe(_ bytes: UnsafeRawBufferPointer, deliver: (UnsafeRawBufferPointer) -> Void,
                 reply: (UnsafeRawBufferPointer) -> Void) -> Bool
}

extension Connection {
    /// From now on, bytes pass through `framing` both ways and `handler` receives them; it is
    /// made active at once. `pending` — bytes that arrived after the upgrade request — goes
    /// through the framing first. On the connection's loop.
    public func upgrade(to handler: any ConnectionHandler, framing: any StreamFraming, pending: [UInt8]) {
        loop.assertInLoop()
        guard !isClosed else { return }
        self.framing = framing
        self.handler = handler
        handler.connectionActive(self)
        if !pending.isEmpty, !isClosed {
            pending.withUnsafeBytes { deliverReceived($0) }
        }
    }

    /// Bytes that pass the framing untouched, as its own control frames do: a handler that
    /// speaks the framing's protocol ends it in its own words (a WebSocket close with a code and
    /// a reason, RFC 6455 §5.5.1). Without a framing, the same as `write`. Ignored after close.
    public func writeUnframed(_ bytes: UnsafeRawBufferPointer) {
        loop.assertInLoop()
        guard !isClosed, !writeShutdownRequested else { return }
        writeTransport(bytes)
    }

    /// Received transport bytes (after TLS) to the handler, through the framing if any.
    @inline(__always)
    func deliverReceived(_ bytes: UnsafeRawBufferPointer) {
        guard let framing else {
            handler?.connection(self, didReceive: bytes)
            return
        }
        let healthy = framing.unframe(bytes, deliver: { payload in
            guard !isClosed else { return }
            handler?.connection(self, didReceive: payload)
        }, reply: { control in
            writeTransport(control)
        })
        if !healthy, !isClosed { close() }
    }

    /// Handler bytes through the framing into the transport.
    func writeFramed(_ framing: any StreamFraming, _ payload: UnsafeRawBufferPointer) {
        var framed = loop.framingScratch
        loop.framingScratch = [] // taken while in use, so a nested write cannot share it
        framed.removeAll(keepingCapacity: true)
        framing.frame(payload, into: &framed)
        framed.withUnsafeBytes { writeTransport($0) }
        // Large one-off frames do not stay with the loop.
        if framed.capacity <= 64 * 1024 { loop.framingScratch = framed }
    }
}
