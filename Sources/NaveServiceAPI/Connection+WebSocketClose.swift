import NaveHTTP
import NaveIO

extension Connection {
    /// Ends a WebSocket connection (after `upgrade`) with a close frame carrying `code` and
    /// `reason` (RFC 6455 §5.5.1, §7.4), then closes once queued frames are sent. For handlers
    /// whose refusals a browser shows, as the console's telemetry socket's 1008; the byte-stream
    /// handlers (MQTT, AMQP) just close.
    public func closeWebSocket(_ code: WebSocketCloseCode, reason: String) {
        var frame: [UInt8] = []
        WebSocketFrameEncoder.encodeClose(code: code, reason: reason, into: &frame)
        frame.withUnsafeBytes { writeUnframed($0) }
        close()
    }
}
