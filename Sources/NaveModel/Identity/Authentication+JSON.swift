import NaveEncoding

/// `authentication` in IoT Hub's `Device` and `Module` JSON (contract §4.3):
/// `{"symmetricKey":{"primaryKey","secondaryKey"},"x509Thumbprint":{"primaryThumbprint",
/// "secondaryThumbprint"},"type"}`.
extension Authentication {
    /// Symmetric keys are canonical base64 of at most 64 bytes; the hub generates 32. IoT Hub
    /// documents 16 to 64 bytes, but contract §4.2's own example bodies (which tests replay)
    /// send `"AAAA"` (3 bytes), so Nave accepts any non-empty key up to the maximum.
    public static let keyBytesRange = 1...64

    /// Rendered as IoT Hub does: both sub-objects always present, absent values as `null`.
    public var json: JSONValue {
        .object(JSONObject([
            ("symmetricKey", .object(JSONObject([
                ("primaryKey", JSONValue(orNull: primaryKey)),
                ("secondaryKey", JSONValue(orNull: secondaryKey)),
            ]))),
            ("x509Thumbprint", .object(JSONObject([
                ("primaryThumbprint", JSONValue(orNull: primaryThumbprint)),
                ("secondaryThumbprint", JSONValue(orNull: secondaryThumbprint)),
            ]))),
            ("type", .string(kind.rawValue)),
        ]))
    }

    /// Reads and validates a request's `authentication` (absent → `sas` with no keys).
    ///
    /// - `type` defaults to `sas`; otherwise one of `sas, selfSigned, certificateAuthority,
    ///   none` (case-insensitive).
    /// - `sas`: both keys or neither (`symmetricKey` absent, `{}` or nulls: the hub generates
    ///   them, contract §4.4); each canonical base64 of 1–64 bytes. Thumbprints are dropped.
    /// - `selfSigned`: `primaryThumbprint` required, each thumbprint 40 (SHA-1) or 64 (SHA-256)
    ///   hex digits, `:` separators allowed. Keys are dropped.
    /// - `certificateAuthority`, `none`: keys and thumbprints are dropped.
    public init(requestJSON value: JSONValue?, path: String = "authentication.") throws(HubError) {
        guard let value, !value.isNull else {
            self.init(kind: .sas)
            return
        }
        let fields = try JSONFieldReader(value, path: path)
        let kind = try fields.choice("type", Kind.self) ?? .sas
        switch kind {
        case .sas:
            let keys = try fields.reader("symmetricKey")
            let primary = try keys?.string("primaryKey")
            let secondary = try keys?.string("secondaryKey")
            guard (primary == nil) == (secondary == nil) else {
                throw HubError.argumentInvalid(
                    "\(path)symmetricKey needs both primaryKey and secondaryKey, or neither to have the hub generate them.")
            }
            for (name, key) in [("primaryKey", primary), ("secondaryKey", secondary)] {
                guard let key else { continue }
                guard let decoded = Base64.decode(key), Self.keyBytesRange.contains(decoded.count) else {
                    throw HubError.argumentInvalid(
                        "\(path)symmetricKey.\(name) must be base64 of \(Self.keyBytesRange.lowerBound) to \(Self.keyBytesRange.upperBound) bytes.")
                }
            }
            self.init(kind: .sas, primaryKey: primary, secondaryKey: secondary)
        case .selfSigned:
            let thumbprints = try fields.reader("x509Thumbprint")
            guard let primary = try thumbprints?.string("primaryThumbprint") else {
                throw HubError.argumentInvalid("\(path)x509Thumbprint.primaryThumbprint is required for type selfSigned.")
            }
            let secondary = try thumbprints?.string("secondaryThumbprint")
            for (name, thumbprint) in [("primaryThumbprint", primary), ("secondaryThumbprint", secondary)] {
                guard let thumbprint else { continue }
                guard Self.isThumbprint(thumbprint) else {
                    throw HubError.argumentInvalid(
                        "\(path)x509Thumbprint.\(name) must be 40 (SHA-1) or 64 (SHA-256) hex digits.")
                }
            }
            self.init(kind: .selfSigned, primaryThumbprint: primary, secondaryThumbprint: secondary)
        case .certificateAuthority, .none:
            self.init(kind: kind)
        }
    }

    /// 40 or 64 hex digits once `:` separators are removed.
    static func isThumbprint(_ text: String) -> Bool {
        var digits = 0
        for byte in text.utf8 where byte != UInt8(ascii: ":") {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                 UInt8(ascii: "A")...UInt8(ascii: "F"):
                digits += 1
            default:
                return false
            }
        }
        return digits == 40 || digits == 64
    }
}

extension JSONValue {
    /// `.string(text)`, or `.null` when `text` is nil: how IoT Hub renders unset fields.
    public init(orNull text: String?) {
        self = text.map(JSONValue.string) ?? .null
    }
}
