/// Runs `body` over the UTF-8 bytes of `text` in place when the string is native (the usual
/// case), copying them only otherwise. Byte loops over a buffer are what keep the encoders fast
/// across the module boundary, where generic `StringProtocol` code is not specialised.
@inlinable
func withUTF8Buffer<Result>(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    return Array(text.utf8).withUnsafeBufferPointer(body)
}

/// As `withUTF8Buffer`, for any collection of bytes.
@inlinable
func withByteBuffer<Result>(_ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = bytes.withContiguousStorageIfAvailable(body) { return result }
    return Array(bytes).withUnsafeBufferPointer(body)
}
