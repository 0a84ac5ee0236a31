import NaveAuth
import NaveEncoding
import NaveModel

/// What a blob SAS allows (`sp`, Azure Storage "Create a service SAS": read, add, create,
/// write, delete, list), kept in Azure's canonical order `racwdl`.
public struct BlobSASPermissions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = BlobSASPermissions(rawValue: 1 << 0)
    public static let add = BlobSASPermissions(rawValue: 1 << 1)
    public static let create = BlobSASPermissions(rawValue: 1 << 2)
    public static let write = BlobSASPermissions(rawValue: 1 << 3)
    public static let delete = BlobSASPermissions(rawValue: 1 << 4)
    public static let list = BlobSASPermissions(rawValue: 1 << 5)

    private static let letters: [(Character, BlobSASPermissions)] = [
        ("r", .read), ("a", .add), ("c", .create), ("w", .write), ("d", .delete), ("l", .list),
    ]

    /// Parses letters of `racwdl`, in any order, each at most once; nil otherwise.
    public init?(letters text: String) {
        var value = BlobSASPermissions()
        for character in text {
            guard let permission = Self.letters.first(where: { $0.0 == character })?.1, !value.contains(permission) else { return nil }
            value.insert(permission)
        }
        guard !value.isEmpty else { return nil }
        self = value
    }

    /// The letters in canonical order.
    public var letters: String { String(Self.letters.filter { contains($0.1) }.map(\.0)) }
}

/// What a SAS names: one blob (`sr=b`) or a whole container (`sr=c`).
public enum BlobSASScope: Sendable, Hashable {
    case blob(BlobAddress)
    case container(String)

    var resourceLetter: String {
        switch self {
        case .blob: "b"
        case .container: "c"
        }
    }

    /// The canonical resource in the string to sign: `/blob/{container}[/{blob}]`.
    var canonicalResource: String {
        switch self {
        case .blob(let address): "/blob/\(address.container)/\(address.name)"
        case .container(let container): "/blob/\(container)"
        }
    }
}

/// Shared access signatures for Nave's blob store, minted by the node (for file uploads and
/// `nave storage container-sas`) and checked on every blob request (reference §5.4
/// Authorisation): HMAC-SHA256, under the node's blob key, over
///
///     sp \n se \n /blob/{container}[/{blob}] \n sv \n sr
///
/// with the values exactly as they appear in the token. The token's fields are Azure's
/// (`sv`, `sr`, `sig`, `se`, `sp`), so SDKs carry it as they carry an Azure service SAS; the
/// string to sign is Nave's own (Azure's is version-specific and signs with an account key
/// Nave does not have). A token is valid for what it names, until `se`, for what `sp` allows.
public struct BlobSASSigner: Sendable {
    /// The `sv` Nave writes (the version IoT Hub's file-upload SAS carries, reference §5.2).
    public static let version = "2018-03-28"
    /// Bytes of a blob key (`BlobKeyFile`).
    public static let keyByteCount = 32

    private let key: [UInt8]

    /// - Precondition: `key` is `keyByteCount` bytes.
    public init(key: [UInt8]) {
        precondition(key.count == Self.keyByteCount, "a blob SAS key is 32 bytes")
        self.key = key
    }

    /// The token, without a leading `?`: `sv=…&sr=b|c&sig=…&se=…&sp=…`. `expiry` is cut to
    /// whole seconds.
    public func token(for scope: BlobSASScope, permissions: BlobSASPermissions, expiry: Timestamp) -> String {
        let se = Timestamp(secondsSinceEpoch: expiry.secondsSinceEpoch).iso8601
        let sp = permissions.letters
        let sig = signature(sp: sp, se: se, resource: scope.canonicalResource, sv: Self.version, sr: scope.resourceLetter)
        return "sv=\(Self.version)&sr=\(scope.resourceLetter)&sig=\(PercentEncoding.encode(sig))"
            + "&se=\(PercentEncoding.encode(se))&sp=\(sp)"
    }

    /// Checks a request's SAS (its decoded query items) for `needs` on `address` at `now`.
    ///
    /// - Throws: `AuthenticationFailed` (403) for a missing, repeated or malformed field, a
    ///   signature that does not match, a token for another blob or container, an expired one,
    ///   or one without the permission.
    public func verify(_ query: [(name: String, value: String)], for address: BlobAddress,
                       needs: BlobSASPermissions, now: Timestamp) throws(BlobError) {
        func field(_ name: String) throws(BlobError) -> String {
            let values = query.filter { $0.name == name }
            guard values.count == 1 else { throw .authenticationFailed("\(name) is missing or repeated") }
            return values[0].value
        }
        let sv = try field("sv"), sr = try field("sr"), sig = try field("sig"), se = try field("se"), sp = try field("sp")
        let scope: BlobSASScope
        switch sr {
        case "b": scope = .blob(address)
        case "c": scope = .container(address.container)
        default: throw .authenticationFailed("sr must be b or c")
        }
        guard let given = Base64.decode(sig), given.count == HMACSHA256.byteCount else { throw .authenticationFailed("sig is malformed") }
        let expected = signature(sp: sp, se: se, resource: scope.canonicalResource, sv: sv, sr: sr)
        guard ConstantTime.equals(given, Base64.decode(expected) ?? []) else {
            throw .authenticationFailed("the signature does not match this resource")
        }
        guard let expiry = Timestamp(iso8601: se) else { throw .authenticationFailed("se is malformed") }
        guard now < expiry else { throw .authenticationFailed("the SAS expired") }
        guard let granted = BlobSASPermissions(letters: sp), granted.isSuperset(of: needs) else {
            throw .authenticationFailed("the SAS does not allow this operation")
        }
    }

    private func signature(sp: String, se: String, resource: String, sv: String, sr: String) -> String {
        let message = "\(sp)\n\(se)\n\(resource)\n\(sv)\n\(sr)"
        return Base64.encode(HMACSHA256.authenticationCode(key: key, message: Array(message.utf8)))
    }
}
