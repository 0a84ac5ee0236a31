import NaveHTTP
import NaveIO

/// WebSocket framing (RFC 6455) under a byte-stream handler: binary frames carry the stream
/// both ways, so MQTT packets may be split across frames or share one (contract §1.1, MQTT
/// 3.1.1 §6.0). Pings are answered, a close is echoed, text frames and framing errors close.
final class WebSocketStreamFraming: StreamFraming {
    private var decoder: WebSocketFrameDecoder

    init(frameBytesMax: Int) {
        decoder = WebSocketFrameDecoder(role: .server, frameBytesMax: frameBytesMax, messageBytesMax: Int.max >> 1)
    }

    func frame(_ payload: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        // Server frames are never masked (§5.1).
        WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, into: &output)
    }

    func unframe(_ bytes: UnsafeRawBufferPointer, deliver: (UnsafeRawBufferPointer) -> Void,
                 reply: (UnsafeRawBufferPointer) -> Void) -> Bool {
        decoder.feed(bytes)
        while true {
            let frame: WebSocketFrame
            do {
                guard let next = try decoder.next() else { return true }
                frame = next
            } catch {
                send(close: error.closeCode, reply)
                return false
            }
            switch frame.opcode {
            case .binary, .continuation:
                frame.payload.withUnsafeBytes(deliver)
            case .text:
                // MQTT 3.1.1 §6.0: data in anything but binary frames closes the connection.
                send(close: .unsupportedData, reply)
                return false
            case .ping:
                var pong: [UInt8] = []
                WebSocketFrameEncoder.encode(opcode: .pong, payload: frame.payload, into: &pong)
                pong.withUnsafeBytes(reply)
            case .pong:
                break
            case .close:
                // §5.5.1: answer a close with a close, then end the connection.
                send(close: frame.closeCode ?? .normalClosure, reply)
                return false
            }
        }
    }

    private func send(close code: WebSocketCloseCode, _ reply: (UnsafeRawBufferPointer) -> Void) {
        var frame: [UInt8] = []
        WebSocketFrameEncoder.encodeClose(code: code, into: &frame)
        frame.withUnsafeBytes(reply)
    }
}
