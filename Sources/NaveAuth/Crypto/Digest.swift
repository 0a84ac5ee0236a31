import CNaveSSL

/// One-shot message digests from libcrypto: X.509 thumbprints are SHA-1 or SHA-256 of the DER
/// certificate (contract §1.4).
public enum Digest {
    /// SHA-1 (20 bytes). Only for thumbprints, which IoT Hub still accepts in SHA-1 form.
    public static func sha1(_ bytes: some Collection<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Int(SHA_DIGEST_LENGTH)) { output, count in
            withContiguousBytes(bytes) { input in _ = SHA1(input.baseAddress, input.count, output.baseAddress) }
            count = Int(SHA_DIGEST_LENGTH)
        }
    }

    /// SHA-256 (32 bytes).
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Int(SHA256_DIGEST_LENGTH)) { output, count in
            withContiguousBytes(bytes) { input in _ = SHA256(input.baseAddress, input.count, output.baseAddress) }
            count = Int(SHA256_DIGEST_LENGTH)
        }
    }
}
