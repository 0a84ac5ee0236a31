import CNaveSSL

/// HMAC-SHA256 (RFC 2104), the MAC behind every SAS signature (contract §1.3, §4.1).
public enum HMACSHA256 {
    /// Length of a MAC in bytes.
    public static let byteCount = 32

    /// The MAC of `message` under `key`. Allocates only the 32-byte result; the work happens in
    /// `cnave_hmac_sha256` (see CNaveSSL/shim.h for why not `HMAC()`).
    public static func authenticationCode(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { output, count in
            withContiguousBytes(key) { key in
                withContiguousBytes(message) { message in
                    cnave_hmac_sha256(key.baseAddress, key.count, message.baseAddress, message.count, output.baseAddress)
                }
            }
            count = byteCount
        }
    }
}

/// Runs `body` over contiguous storage of `bytes`, copying only when the collection has none.
@inline(__always)
func withContiguousBytes<Result>(_ bytes: some Collection<UInt8>,
                                 _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = bytes.withContiguousStorageIfAvailable(body) { return result }
    return Array(bytes).withUnsafeBufferPointer(body)
}

/// Comparison whose time does not depend on where two equal-length byte strings differ
/// (`CRYPTO_memcmp`), for signatures: an early-exit compare leaks how many leading bytes of a
/// forged signature were right.
public enum ConstantTime {
    /// True when `a` and `b` are equal. Lengths are not secret: unequal lengths return false at once.
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return withContiguousBytes(a) { a in
            withContiguousBytes(b) { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }
}
