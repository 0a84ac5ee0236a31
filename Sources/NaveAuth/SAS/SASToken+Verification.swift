import NaveEncoding

/// What a token must grant access to (contract §1.3 step 4, §4.1 server checks).
public enum SASResource: Sendable, Equatable {
    /// `{hostName}/devices/{deviceID}`; the host part compares case-insensitively.
    case device(hostName: String, deviceID: String)
    /// `{hostName}/devices/{deviceID}/modules/{moduleID}`.
    case module(hostName: String, deviceID: String, moduleID: String)
    /// The hub host, as a service token's `sr` names it: with or without `:port` (§4.1).
    case service(hostName: String)
    /// Any other audience, matched exactly after decoding (CBS put-token audiences, later).
    case exact(String)
}

/// The outcome of checking a token. Only `valid` admits the caller; the other cases exist for
/// metrics and logs (none carries key or signature material).
public enum SASVerification: Sendable, Equatable {
    /// Accepted; the connection must end or re-authenticate by `expiresAt` (seconds since epoch).
    case valid(expiresAt: Int64)
    case malformed(SASError)
    /// `se` is not after `now` (§1.3 step 3).
    case expired
    /// `unquote(sr)` names something else; `got` is that decoded resource.
    case wrongResource(got: String)
    /// No key reproduces the signature (or `sig` is not base64 of 32 bytes).
    case badSignature
}

extension SASToken {
    /// Parses and verifies `text`; a parse failure becomes `.malformed`.
    public static func verify(_ text: some StringProtocol, expectedResource: SASResource, keys: [String],
                              now: Int64, keyEncoding: SASKeyEncoding = .base64Decoded) -> SASVerification {
        do {
            let token = try SASToken(parsing: text)
            return token.verify(expectedResource: expectedResource, keys: keys, now: now, keyEncoding: keyEncoding)
        } catch {
            return .malformed(error)
        }
    }

    /// Checks, in the contract's order (§1.3 steps 3–5): `se > now`; the decoded `sr` names
    /// `expectedResource`; the signature recomputed over the raw `sr` and `se` as sent matches
    /// under one of `keys` (primary or secondary), compared in constant time.
    /// - Parameters:
    ///   - keys: base64 keys (any number; undecodable ones never match).
    ///   - now: the caller's clock, seconds since the Unix epoch.
    public func verify(expectedResource: SASResource, keys: [String], now: Int64,
                       keyEncoding: SASKeyEncoding = .base64Decoded) -> SASVerification {
        guard expiry > now else { return .expired }
        guard Self.matches(resource, expectedResource) else { return .wrongResource(got: resource) }
        guard let presented = Base64.decode(signature), presented.count == HMACSHA256.byteCount else {
            return .badSignature
        }
        let stringToSign = Array((rawResource + "\n" + rawExpiry).utf8)
        for key in keys {
            guard let keyBytes = Self.keyBytes(key, keyEncoding) else { continue }
            let expected = HMACSHA256.authenticationCode(key: keyBytes, message: stringToSign)
            if ConstantTime.equals(expected, presented) { return .valid(expiresAt: expiry) }
        }
        return .badSignature
    }

    /// Whether a decoded `sr` names `expected`.
    static func matches(_ resource: String, _ expected: SASResource) -> Bool {
        switch expected {
        case .device(let hostName, let deviceID):
            return matchesPath(resource, hostName: hostName, path: "devices/" + deviceID)
        case .module(let hostName, let deviceID, let moduleID):
            return matchesPath(resource, hostName: hostName, path: "devices/\(deviceID)/modules/\(moduleID)")
        case .service(let hostName):
            return sameHost(withoutPort(Substring(resource)), withoutPort(Substring(hostName)))
        case .exact(let uri):
            return resource == uri
        }
    }

    /// `{host}/{path}` with the host compared case-insensitively (DNS names are, RFC 4343) and the
    /// path exactly (device and module ids are case-sensitive in IoT Hub).
    private static func matchesPath(_ resource: String, hostName: String, path: String) -> Bool {
        guard let slash = resource.firstIndex(of: "/") else { return false }
        return resource[resource.index(after: slash)...] == path && sameHost(resource[..<slash], Substring(hostName))
    }

    /// `host` from `host` or `host:digits`; nil for `host:` or a non-numeric port.
    private static func withoutPort(_ authority: Substring) -> Substring? {
        // A bracketed IPv6 literal without a port, `[::1]`, has colons of its own.
        guard authority.last != "]", let colon = authority.lastIndex(of: ":") else { return authority }
        let port = authority[authority.index(after: colon)...]
        guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return authority[..<colon]
    }

    private static func sameHost(_ a: Substring?, _ b: Substring?) -> Bool {
        guard let a, let b, !a.isEmpty else { return false }
        return a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }
}
