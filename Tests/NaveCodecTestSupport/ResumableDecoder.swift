/// What every Nave decoder of a byte stream has in common (MQTT frames, HTTP requests, WebSocket
/// frames, the AMQP codec to come): bytes go in as they arrive, whole messages come out, "need
/// more" is `nil`, and once `next()` throws the decoder is poisoned. The codecs' own types
/// conform in their test targets with an empty extension, so `DecoderVerifier` can drive any of
/// them the same way.
public protocol ResumableDecoder {
    associatedtype Message: Equatable
    associatedtype Failure: Error & Equatable

    /// Bytes received but not yet handed out as a message.
    var bufferedByteCount: Int { get }
    /// Appends `bytes`; the decoder must not read outside them.
    mutating func feed(_ bytes: UnsafeRawBufferPointer)
    /// The next whole message, or nil when more bytes are needed.
    mutating func next() throws(Failure) -> Message?
}

/// Everything `bytes` decode to, fed in pieces of `chunkSize`, and the error thrown if one was.
public struct Decoded<Message: Equatable, Failure: Error & Equatable> {
    public var messages: [Message] = []
    public var error: Failure?
    /// What the decoder still held at the end (0 after an error: a poisoned decoder keeps nothing).
    public var bufferedByteCount = 0

    /// The messages, or the error that stopped the decoding.
    public func get() throws(Failure) -> [Message] {
        if let error { throw error }
        return messages
    }
}

extension ResumableDecoder {
    /// Feeds `bytes` to a copy of this decoder in pieces of `chunkSize` (1 drip-feeds them),
    /// taking every message after each piece, until the end or the first error.
    public func decodeAll(_ bytes: [UInt8], chunkSize: Int = .max) -> Decoded<Message, Failure> {
        var decoder = self
        var result = Decoded<Message, Failure>()
        bytes.withUnsafeBytes { all in
            var offset = 0
            repeat {
                let end = offset + min(all.count - offset, max(1, chunkSize))
                decoder.feed(UnsafeRawBufferPointer(rebasing: all[offset..<end]))
                offset = end
                do throws(Failure) {
                    while let message = try decoder.next() { result.messages.append(message) }
                } catch {
                    result.error = error
                    break
                }
            } while offset < all.count
        }
        result.bufferedByteCount = decoder.bufferedByteCount
        return result
    }
}
