import NaveEncoding
import NaveModel

/// IoT Hub's rules for identity fields, checked before anything is stored.
enum IdentityRules {
    /// Device and module ids follow IoT Hub's rule (`IdentityID`).
    static func validate(deviceID: String, field: String = "deviceId") throws(HubError) {
        try IdentityID.validate(deviceID, field: field)
    }

    /// Free text (status reason, scopes, managedBy): bounded, no control characters (the SQLite
    /// store cannot keep U+0000, and these are shown in logs and tables).
    static func validate(text: String?, field: String, charactersMax: Int = 256) throws(HubError) {
        guard let text else { return }
        guard text.unicodeScalars.count <= charactersMax,
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .argumentInvalid("\(field) must be at most \(charactersMax) characters without control characters")
        }
    }

    /// Every free-text field of a device.
    static func validateText(of spec: DeviceRequest) throws(HubError) {
        try validate(text: spec.statusReason, field: "statusReason", charactersMax: 128)
        try validate(text: spec.deviceScope, field: "deviceScope")
        guard spec.parentScopes.count <= 16 else { throw .argumentInvalid("parentScopes holds at most 16 scopes") }
        for scope in spec.parentScopes { try validate(text: scope, field: "parentScopes") }
    }

    /// A given SAS key must be base64 of 16 to 64 bytes; nil or empty means "generate".
    static func validKey(_ key: String?, field: String) throws(HubError) -> String? {
        guard let key, !key.isEmpty else { return nil }
        guard let bytes = Base64.decode(key), (16...64).contains(bytes.count) else {
            throw .argumentInvalid("authentication.symmetricKey.\(field) must be base64 of 16 to 64 bytes")
        }
        return key
    }

    /// A thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits, `:` separators allowed; kept as given.
    static func validThumbprint(_ thumbprint: String?, field: String) throws(HubError) -> String? {
        guard let thumbprint, !thumbprint.isEmpty else { return nil }
        let digits = thumbprint.utf8.filter { $0 != UInt8(ascii: ":") }
        let isHex = digits.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
        guard isHex, digits.count == 40 || digits.count == 64 else {
            throw .argumentInvalid("authentication.x509Thumbprint.\(field) must be 40 or 64 hex digits")
        }
        return thumbprint
    }
}
