import NaveEncoding

/// How a SAS key string becomes HMAC key bytes (contract §0.1 item 8).
public enum SASKeyEncoding: Sendable, Equatable {
    /// IoT Hub: device, module and service tokens, service C2D CBS. HMAC over `base64decode(key)`.
    case base64Decoded
    /// Event Hubs CBS tokens (azure-eventhub): HMAC over the key string's UTF-8 bytes as is.
    case utf8
}

extension SASToken {
    /// Signs a device or module token exactly as `azure-iot-device` does (contract §1.3):
    /// `sr=quote(uri, safe="")`, string to sign `sr + "\n" + se`, `sig=quote(sig, safe="")`,
    /// fields in the order sr, sig, se[, skn].
    /// - Parameters:
    ///   - resourceURI: `{HostName}/devices/{deviceId}[/modules/{moduleId}]`, not encoded.
    ///   - key: the base64 device or module key (or policy key with `keyName`).
    ///   - expiry: `se`, seconds since the Unix epoch.
    ///   - keyName: adds `&skn=` (tokens signed with a shared access policy key).
    /// - Returns: the token text, `SharedAccessSignature sr=…`.
    public static func deviceToken(resourceURI: String, key: String, expiry: Int64, keyName: String? = nil,
                                   keyEncoding: SASKeyEncoding = .base64Decoded) throws(SASError) -> String {
        let sr = PercentEncoding.encode(resourceURI, safe: "")
        let sig = try signature(stringToSign: sr + "\n" + String(expiry), key: key, keyEncoding: keyEncoding)
        var token = "SharedAccessSignature sr=\(sr)&sig=\(PercentEncoding.encode(sig, safe: ""))&se=\(expiry)"
        if let keyName { token += "&skn=\(PercentEncoding.encode(keyName, safe: ""))" }
        return token
    }

    /// Signs a service token exactly as `azure-iot-hub` does (contract §4.1):
    /// `sr=quote_plus(HostName)`, string to sign `sr + "\n" + se`, `sig=quote(sig)` (which keeps
    /// `/` unescaped), then `&se=…&skn={keyName}`.
    /// - Parameters:
    ///   - hostName: the connection string's `HostName`, with `:port` when it has one.
    ///   - keyName: the shared access policy, e.g. `iothubowner`.
    ///   - key: that policy's base64 key.
    ///   - expiry: `se`, seconds since the Unix epoch.
    public static func serviceToken(hostName: String, keyName: String, key: String, expiry: Int64) throws(SASError) -> String {
        let sr = PercentEncoding.encodePlus(hostName)
        let sig = try signature(stringToSign: sr + "\n" + String(expiry), key: key, keyEncoding: .base64Decoded)
        let skn = PercentEncoding.encode(keyName, safe: "")
        return "SharedAccessSignature sr=\(sr)&sig=\(PercentEncoding.encode(sig, safe: "/"))&se=\(expiry)&skn=\(skn)"
    }

    /// `base64(HMAC-SHA256(key, utf8(stringToSign)))`, the decoded `sig` value.
    public static func signature(stringToSign: String, key: String,
                                 keyEncoding: SASKeyEncoding = .base64Decoded) throws(SASError) -> String {
        guard let keyBytes = keyBytes(key, keyEncoding) else { throw .keyNotBase64 }
        return Base64.encode(HMACSHA256.authenticationCode(key: keyBytes, message: stringToSign.utf8))
    }

    /// The HMAC key for `key`, or nil when a base64 key does not decode.
    static func keyBytes(_ key: String, _ encoding: SASKeyEncoding) -> [UInt8]? {
        switch encoding {
        case .base64Decoded: Base64.decode(key)
        case .utf8: Array(key.utf8)
        }
    }
}
