import CNaveSSL
import NaveEncoding

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`).
public enum SecureRandom {
    /// `count` random bytes. A DRBG that cannot produce them leaves nothing safe to do (keys and
    /// serial numbers would be guessable), so failure stops the process.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            if count > 0 {
                precondition(RAND_bytes(output.baseAddress, Int32(count)) == 1, "RAND_bytes failed")
            }
            initialized = count
        }
    }
}

/// Makes symmetric keys the way IoT Hub does when a device or policy is created without keys:
/// base64 of 32 random bytes (44 characters ending in `=`).
public struct SymmetricKeyGenerator: Sendable {
    /// Key length before base64, in bytes.
    public static let keyByteCount = 32

    private let randomBytes: @Sendable (Int) -> [UInt8]

    /// - Parameter randomBytes: the random source; tests pass a deterministic one.
    public init(randomBytes: @escaping @Sendable (Int) -> [UInt8] = { SecureRandom.bytes(count: $0) }) {
        self.randomBytes = randomBytes
    }

    /// A new base64 key.
    public func makeKey() -> String {
        let bytes = randomBytes(Self.keyByteCount)
        precondition(bytes.count == Self.keyByteCount, "random source returned \(bytes.count) bytes")
        return Base64.encode(bytes)
    }
}
