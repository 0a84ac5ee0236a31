/// How a device or module proves who it is (contract §1.3, §1.4, §4.3 `authentication`).
public struct Authentication: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Shared access signatures signed with one of two symmetric keys.
        case sas
        /// A self-signed client certificate matched by SHA-1 or SHA-256 thumbprint.
        case selfSigned
        /// A client certificate chaining to a configured CA, with CN == device id.
        case certificateAuthority
        case none
    }

    public var kind: Kind
    /// Base64 keys (32 random bytes when the hub generates them); both are accepted.
    public var primaryKey: String?
    public var secondaryKey: String?
    /// Hex thumbprints exactly as given (compared case-insensitively, `:` ignored).
    public var primaryThumbprint: String?
    public var secondaryThumbprint: String?

    public init(kind: Kind, primaryKey: String? = nil, secondaryKey: String? = nil,
                primaryThumbprint: String? = nil, secondaryThumbprint: String? = nil) {
        self.kind = kind
        self.primaryKey = primaryKey
        self.secondaryKey = secondaryKey
        self.primaryThumbprint = primaryThumbprint
        self.secondaryThumbprint = secondaryThumbprint
    }

    public static func sas(primaryKey: String, secondaryKey: String) -> Authentication {
        Authentication(kind: .sas, primaryKey: primaryKey, secondaryKey: secondaryKey)
    }

    public static func selfSigned(primaryThumbprint: String?, secondaryThumbprint: String? = nil) -> Authentication {
        Authentication(kind: .selfSigned, primaryThumbprint: primaryThumbprint, secondaryThumbprint: secondaryThumbprint)
    }
}
