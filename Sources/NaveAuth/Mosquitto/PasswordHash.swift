import CNaveSSL
import NaveEncoding

/// One password hash of a Mosquitto password file, in the forms `mosquitto_passwd` writes
/// (Mosquitto 2.0 `src/password_file.c`, checked by `src/security_default.c` `pw__digest`):
///
/// - `$7$<iterations>$<base64 salt>$<base64 hash>`: PBKDF2-HMAC-SHA512 (RFC 8018 §5.2) with a
///   64-byte output; what `mosquitto_passwd` 2.0 writes (101 iterations by default).
/// - `$6$<base64 salt>$<base64 hash>`: SHA-512 of the password followed by the salt; what
///   `mosquitto_passwd` 1.x wrote, still read by Mosquitto 2.0.
///
/// Salts are 12 bytes and hashes 64, as Mosquitto requires when it loads the file
/// (`unpwd__decode_passwords`): anything else is refused.
public struct PasswordHash: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case sha512
        case pbkdf2SHA512(iterations: Int)
    }

    public let kind: Kind
    public let salt: [UInt8]
    public let hash: [UInt8]

    /// Salt length Mosquitto accepts (bytes).
    public static let saltByteCount = 12
    /// Hash length of both forms: one SHA-512 output (bytes).
    public static let hashByteCount = 64
    /// The most PBKDF2 iterations accepted. The hash is computed on the connection's loop
    /// thread at CONNECT: 101 iterations (the default) cost about 60 µs, a million would stall
    /// every connection of that loop for most of a second.
    public static let iterationsMax = 1_000_000

    public init(kind: Kind, salt: [UInt8], hash: [UInt8]) {
        self.kind = kind
        self.salt = salt
        self.hash = hash
    }

    /// Parses the part of a password file line after the first `:`. Mosquitto splits it with
    /// `strtok(…, "$")`, so the fields are the non-empty runs between `$` signs.
    public init(parsing text: Substring) throws(PasswordFileRefusal) {
        let fields = text.split(separator: "$", omittingEmptySubsequences: true)
        let saltAndHash: ArraySlice<Substring>
        switch fields.first {
        case "6":
            guard fields.count == 3 else { throw .malformedHash }
            kind = .sha512
            saltAndHash = fields.dropFirst()
        case "7":
            guard fields.count == 4 else { throw .malformedHash }
            guard let iterations = Int(fields[1]), iterations >= 1 else { throw .badIterations }
            guard iterations <= Self.iterationsMax else { throw .tooManyIterations }
            kind = .pbkdf2SHA512(iterations: iterations)
            saltAndHash = fields.dropFirst(2)
        default:
            throw .unknownHashType
        }
        guard let salt = Base64.decode(saltAndHash[saltAndHash.startIndex]), salt.count == Self.saltByteCount else {
            throw .badSalt
        }
        guard let hash = Base64.decode(saltAndHash[saltAndHash.startIndex + 1]), hash.count == Self.hashByteCount else {
            throw .badHash
        }
        self.salt = salt
        self.hash = hash
    }

    /// True when `password` hashes to this hash; the final comparison is `CRYPTO_memcmp`, so its
    /// time does not tell how much of a guess was right.
    public func matches(password: some Collection<UInt8>) -> Bool {
        ConstantTime.equals(Self.digest(password: password, salt: salt, kind: kind), hash)
    }

    /// The 64-byte digest of `password` under `salt`, as `pw__digest` computes it.
    public static func digest(password: some Collection<UInt8>, salt: [UInt8], kind: Kind) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: hashByteCount) { output, count in
            withContiguousBytes(password) { password in
                salt.withUnsafeBufferPointer { salt in
                    switch kind {
                    case .sha512:
                        let context = EVP_MD_CTX_new()
                        defer { EVP_MD_CTX_free(context) }
                        var length: UInt32 = 0
                        let ok = EVP_DigestInit_ex(context, EVP_sha512(), nil) == 1
                            && EVP_DigestUpdate(context, password.baseAddress, password.count) == 1
                            && EVP_DigestUpdate(context, salt.baseAddress, salt.count) == 1
                            && EVP_DigestFinal_ex(context, output.baseAddress, &length) == 1
                        precondition(ok && length == UInt32(hashByteCount), "SHA-512 failed")
                    case .pbkdf2SHA512(let iterations):
                        let ok = password.withMemoryRebound(to: CChar.self) { password in
                            PKCS5_PBKDF2_HMAC(password.baseAddress, Int32(password.count), salt.baseAddress, Int32(salt.count),
                                              Int32(iterations), EVP_sha512(), Int32(hashByteCount), output.baseAddress)
                        }
                        precondition(ok == 1, "PBKDF2 failed")
                    }
                }
            }
            count = hashByteCount
        }
    }

    /// The file form (`$7$101$…$…`), as `mosquitto_passwd` would write it.
    public var encoded: String {
        switch kind {
        case .sha512: "$6$\(Base64.encode(salt))$\(Base64.encode(hash))"
        case .pbkdf2SHA512(let iterations): "$7$\(iterations)$\(Base64.encode(salt))$\(Base64.encode(hash))"
        }
    }

    /// A hash for `password` with a fresh random salt (tests, and tools that write files).
    public static func make(password: some Collection<UInt8>, iterations: Int = 101) -> PasswordHash {
        let salt = SecureRandom.bytes(count: saltByteCount)
        let kind = Kind.pbkdf2SHA512(iterations: iterations)
        return PasswordHash(kind: kind, salt: salt, hash: digest(password: password, salt: salt, kind: kind))
    }
}
