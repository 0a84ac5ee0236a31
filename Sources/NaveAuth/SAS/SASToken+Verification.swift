import NaveEncoding

/// What a token must grant access to (contract §1.3 step 4, §4.1 server checks).
public enum SASResource: Sendable, Equatable {
    /// `{hostName}/devices/{deviceID}`; the host part compares case-insensitively.
    case device(hostName: String, deviceID: String)
    /// `{hostName}/devices/{deviceID}/modules/{moduleID}`.
    case module(hostName: String, deviceID: String, moduleID: String)
    /// The hub host, as a service token's `sr` names it: with or without `:port` (§4.1).
    case service(hostName: String)
    /// Any other audience, matched exactly after decoding.
    case exact(String)
    /// An Event Hubs CBS audience (contract §6.3): the decoded `sr` equals it or is a prefix of
    /// it ending at a path boundary (`sb://host/hub` grants `sb://host/hub/consumergroups/x`),
    /// compared without regard to ASCII case as Event Hubs does for entity paths.
    case audience(String)
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
        let stringToSign = rawResource + "\n" + rawExpiry
        for key in keys {
            guard let keyBytes = Self.keyBytes(key, keyEncoding) else { continue }
            let expected = HMACSHA256.authenticationCode(key: keyBytes, message: stringToSign.utf8)
            if ConstantTime.equals(expected, presented) { return .valid(expiresAt: expiry) }
        }
        return .badSignature
    }

    /// Whether a decoded `sr` names `expected`. Compares UTF-8 bytes in place, piece by piece: no
    /// string is built, and ids match exactly (no Unicode normalisation).
    static func matches(_ resource: String, _ expected: SASResource) -> Bool {
        withContiguousBytes(resource.utf8) { resource in
            switch expected {
            case .device(let hostName, let deviceID):
                matchesPath(resource[...], hostName: hostName, deviceID: deviceID, moduleID: nil)
            case .module(let hostName, let deviceID, let moduleID):
                matchesPath(resource[...], hostName: hostName, deviceID: deviceID, moduleID: moduleID)
            case .service(let hostName):
                withContiguousBytes(hostName.utf8) { expected in
                    guard let host = withoutPort(resource[...]), let expectedHost = withoutPort(expected[...]) else {
                        return false
                    }
                    return sameHost(host, expectedHost)
                }
            case .exact(let uri):
                resource.elementsEqual(uri.utf8)
            case .audience(let audience):
                withContiguousBytes(audience.utf8) { audience in
                    guard !resource.isEmpty, resource.count <= audience.count,
                          zip(resource, audience).allSatisfy({ asciiLowercased($0) == asciiLowercased($1) }) else { return false }
                    return resource.count == audience.count || resource.last == UInt8(ascii: "/")
                        || audience[resource.count] == UInt8(ascii: "/")
                }
            }
        }
    }

    /// `{host}/devices/{deviceID}[/modules/{moduleID}]`, the host compared case-insensitively
    /// (DNS names are, RFC 4343) and the rest exactly (ids are case-sensitive in IoT Hub).
    private static func matchesPath(_ resource: Bytes, hostName: String, deviceID: String, moduleID: String?) -> Bool {
        guard let slash = resource.firstIndex(of: UInt8(ascii: "/")) else { return false }
        let hostMatches = withContiguousBytes(hostName.utf8) { sameHost(resource[..<slash], $0[...]) }
        var rest = resource[(slash + 1)...]
        guard hostMatches, consume(&rest, "devices/"), consume(&rest, deviceID) else { return false }
        if let moduleID {
            guard consume(&rest, "/modules/"), consume(&rest, moduleID) else { return false }
        }
        return rest.isEmpty
    }

    /// Drops `prefix` from the front of `bytes` when it is there.
    private static func consume(_ bytes: inout Bytes, _ prefix: String) -> Bool {
        guard bytes.starts(with: prefix.utf8) else { return false }
        bytes = bytes.dropFirst(prefix.utf8.count)
        return true
    }

    /// `host` from `host` or `host:digits`; nil for `host:` or a non-numeric port.
    private static func withoutPort(_ authority: Bytes) -> Bytes? {
        // A bracketed IPv6 literal without a port, `[::1]`, has colons of its own.
        guard authority.last != UInt8(ascii: "]"), let colon = authority.lastIndex(of: UInt8(ascii: ":")) else {
            return authority
        }
        let port = authority[(colon + 1)...]
        guard (1...5).contains(port.count), port.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return authority[..<colon]
    }

    /// ASCII case-insensitive equality of two non-empty host names.
    private static func sameHost(_ a: Bytes, _ b: Bytes) -> Bool {
        guard !a.isEmpty, a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in asciiLowercased(x) == asciiLowercased(y) }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
