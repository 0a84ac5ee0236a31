import NaveEncoding

/// IoT Hub's rules for identity fields, checked before anything is stored.
enum IdentityRules {
    /// Device and module ids: up to 128 ASCII letters, digits and `- . % _ * ? ! ( ) , : = @ $ '`
    /// (IoT Hub's documented set; no `/`, which separates device and module in client ids).
    static func validate(deviceID: String, field: String = "deviceId") throws(RegistryFailure) {
        let allowed = Set("-.%_*?!(),:=@$'".utf8)
        let bytes = Array(deviceID.utf8)
        guard !bytes.isEmpty, bytes.count <= 128 else {
            throw .invalidArgument("\(field) must be 1 to 128 characters")
        }
        for byte in bytes {
            let alphanumeric = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            guard alphanumeric || allowed.contains(byte) else {
                throw .invalidArgument("\(field) may contain only ASCII letters, digits and -.%_*?!(),:=@$'")
            }
        }
    }

    /// A given SAS key must be base64 of 16 to 64 bytes; nil or empty means "generate".
    static func validKey(_ key: String?, field: String) throws(RegistryFailure) -> String? {
        guard let key, !key.isEmpty else { return nil }
        guard let bytes = Base64.decode(key), (16...64).contains(bytes.count) else {
            throw .invalidArgument("authentication.symmetricKey.\(field) must be base64 of 16 to 64 bytes")
        }
        return key
    }

    /// A thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits, `:` separators allowed; kept as given.
    static func validThumbprint(_ thumbprint: String?, field: String) throws(RegistryFailure) -> String? {
        guard let thumbprint, !thumbprint.isEmpty else { return nil }
        let digits = thumbprint.utf8.filter { $0 != UInt8(ascii: ":") }
        let isHex = digits.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
        guard isHex, digits.count == 40 || digits.count == 64 else {
            throw .invalidArgument("authentication.x509Thumbprint.\(field) must be 40 or 64 hex digits")
        }
        return thumbprint
    }
}
