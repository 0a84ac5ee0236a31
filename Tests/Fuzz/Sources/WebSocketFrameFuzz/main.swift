import FuzzSupport
import NaveHTTP

/// libFuzzer entry point for the WebSocket frame decoder (RFC 6455 §5), run in both roles on
/// every input (a server reads masked frames, a client unmasked ones).
///
/// Checks: the input fed whole, in two halves and one byte at a time gives the same frames,
/// the same error and the same buffered tail; an error's close code is one a peer may send;
/// no frame exceeds `frameBytesMax`, no fragmented message `messageBytesMax`; control frames
/// are final and at most 125 bytes, a close frame's code is sendable and its reason UTF-8; a
/// finished text message is UTF-8; continuations only follow an unfinished message; every
/// frame re-encodes (masked for the server role, as a client writes) to bytes that decode to
/// the same frames.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    for role in [WebSocketFrameDecoder.Role.server, .client] {
        fuzz(input.bytes, role: role)
    }
    return 0
}

/// Small limits so the fuzzer reaches them: with a 16-bit length (126 and up) a frame is under
/// or over `frameBytesMax`, and a fragmented message passes `messageBytesMax` in about 1040
/// input bytes (run.sh's -max_len is 1536; at 4096 and 8192 it was out of reach).
private let frameBytesMax = 512
private let messageBytesMax = 1_024

private struct Outcome: Equatable {
    var frames: [WebSocketFrame] = []
    var error: WebSocketDecodeError?
    var buffered = 0
}

private func decode(_ pieces: [ArraySlice<UInt8>], role: WebSocketFrameDecoder.Role) -> Outcome {
    var decoder = WebSocketFrameDecoder(role: role, frameBytesMax: frameBytesMax, messageBytesMax: messageBytesMax)
    var outcome = Outcome()
    for piece in pieces {
        piece.withUnsafeBytes { decoder.feed($0) }
        do {
            while let frame = try decoder.next() { outcome.frames.append(frame) }
        } catch {
            outcome.error = error
            // Poisoned: the same error again, and no frame (§7.1.7: the connection is failed).
            do { _ = try decoder.next(); preconditionFailure("a failed decoder decoded") } catch {
                precondition(error == outcome.error, "a failed decoder changed its error")
            }
            return outcome
        }
    }
    outcome.buffered = decoder.bufferedByteCount
    return outcome
}

private func fuzz(_ bytes: [UInt8], role: WebSocketFrameDecoder.Role) {
    let outcomes = deliveries(bytes).map { decode($0, role: role) }
    precondition(outcomes.allSatisfy { $0 == outcomes[0] }, "deliveries disagree")
    let outcome = outcomes[0]
    if let error = outcome.error {
        precondition(error.closeCode.isSendable && !error.reason.isEmpty, "error without a sendable close code")
    }
    checkSequence(outcome.frames)
    guard !outcome.frames.isEmpty else { return }

    var encoded: [UInt8] = []
    for frame in outcome.frames {
        WebSocketFrameEncoder.encode(opcode: frame.opcode, fin: frame.fin, payload: frame.payload,
                                     maskingKey: role == .server ? [9, 8, 7, 6] : nil, into: &encoded)
    }
    let again = decode([encoded[...]], role: role)
    precondition(again.frames == outcome.frames && again.error == nil && again.buffered == 0, "frames do not round-trip")
}

/// The rules across frames, checked on the decoder's output.
private func checkSequence(_ frames: [WebSocketFrame]) {
    var message: (opcode: WebSocketOpcode, bytes: [UInt8])?
    for frame in frames {
        precondition(frame.payload.count <= frameBytesMax, "frame over frameBytesMax")
        switch frame.opcode {
        case .close, .ping, .pong:
            precondition(frame.fin && frame.payload.count <= 125, "control frame fragmented or too long")
            if frame.opcode == .close {
                precondition(frame.payload.count != 1 && (frame.closeCode?.isSendable ?? true), "bad close code")
                precondition(frame.payload.count <= 2 || String(validating: frame.payload[2...], as: UTF8.self) != nil)
            }
        case .text, .binary, .continuation:
            if frame.opcode == .continuation {
                precondition(message != nil, "continuation outside a message")
                message!.bytes += frame.payload
            } else {
                precondition(message == nil, "new message inside a fragmented one")
                message = (frame.opcode, frame.payload)
            }
            if frame.opcode == .continuation || !frame.fin {
                precondition(message!.bytes.count <= messageBytesMax, "message over messageBytesMax")
            }
            if frame.fin {
                precondition(message!.opcode != .text || String(validating: message!.bytes, as: UTF8.self) != nil,
                             "text message is not UTF-8")
                message = nil
            }
        }
    }
}
