import FuzzSupport
import NaveAuth
import NaveEncoding

/// libFuzzer entry point for SAS tokens (contract §1.3, §4.1): parsing, verification and signing.
///
/// Checks, for any input read as token text: parsing refuses with a `SASError` or succeeds;
/// an accepted token's fields, written back percent-encoded, parse to the same fields; its
/// `description` and mirror are the same whatever the signature; verification under the input's own
/// resource gives `expired` for a past `se` and otherwise never `wrongResource`, and it is
/// `valid` only with the key that signs it. The input is also cut into a host, a device id,
/// a key and an expiry: the token signed from them parses and verifies under that key, for
/// that device only, and fails under a key one bit off.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    fuzzParse(input.bytes.text)
    fuzzSign(input)
    return 0
}

private let now: Int64 = 1_700_000_000
private let key = Base64.encode([UInt8](repeating: 7, count: 32))

private func fuzzParse(_ text: String) {
    let token: SASToken
    do {
        token = try SASToken(parsing: text)
    } catch {
        precondition(!error.description.isEmpty)
        precondition(SASToken.verify(text, expectedResource: .exact(""), keys: [key], now: now) == .malformed(error),
                     "verify reports another parse error")
        return
    }
    precondition(text.utf8.count <= SASToken.textBytesMax && text.utf8.starts(with: "SharedAccessSignature ".utf8))
    precondition(!token.resource.isEmpty && !token.signature.isEmpty && token.expiry >= 0)
    let rebuilt = tokenText(token, signature: token.signature)
    if rebuilt.utf8.count <= SASToken.textBytesMax {
        guard let again = try? SASToken(parsing: rebuilt) else { preconditionFailure("rebuilt token refused") }
        precondition(again.resource == token.resource && again.signature == token.signature
                     && again.expiry == token.expiry && again.keyName == token.keyName, "token does not round-trip")
    }
    // What a log shows does not depend on the signature: the same token with another `sig`
    // describes and mirrors identically.
    if let other = try? SASToken(parsing: tokenText(token, signature: "x")) {
        precondition(other.description == token.description, "description shows the signature")
        precondition(String(describing: other.customMirror.children.map(\.value))
                     == String(describing: token.customMirror.children.map(\.value)), "mirror shows the signature")
    }

    let own = SASResource.exact(token.resource)
    let verdict = token.verify(expectedResource: own, keys: [key, "not base64"], now: now)
    if token.expiry <= now {
        precondition(verdict == .expired, "a past token was not expired")
    } else if case .valid = verdict {
        let signature = try! SASToken.signature(stringToSign: token.rawResource + "\n" + token.rawExpiry, key: key)
        precondition(Base64.decode(signature) == Base64.decode(token.signature), "valid without the right signature")
    } else {
        precondition(verdict == .badSignature, "own resource refused: \(verdict)")
    }
    // The host match is total: any expected resource gives an answer, never a trap.
    _ = token.verify(expectedResource: .service(hostName: token.resource), keys: [], now: 0)
    _ = token.verify(expectedResource: .device(hostName: token.resource, deviceID: token.resource), keys: [], now: 0)
}

/// `token` written back with each field percent-encoded, fields in the SDK's order.
private func tokenText(_ token: SASToken, signature: String) -> String {
    var text = "SharedAccessSignature sr=\(PercentEncoding.encode(token.resource))"
        + "&sig=\(PercentEncoding.encode(signature))&se=\(token.expiry)"
    if let keyName = token.keyName { text += "&skn=\(PercentEncoding.encode(keyName))" }
    return text
}

private func fuzzSign(_ input: FuzzInput) {
    let fields = input.fields(4)
    let host = fields[0].text
    let deviceID = fields[1].text
    let keyBytes = Array(fields[2])
    let expiry = fields[3].reduce(Int64(0)) { ($0 << 8 | Int64($1)) & 0x0FFF_FFFF_FFFF }  // at most 15 digits
    // Hosts hold no `/` byte and are non-empty (the resource is cut at its first `/` byte; a
    // Character test would miss a `/` fused with a combining mark after it).
    guard !host.isEmpty, !host.utf8.contains(UInt8(ascii: "/")) else { return }
    let key = Base64.encode(keyBytes)
    let text: String
    do {
        text = try SASToken.deviceToken(resourceURI: "\(host)/devices/\(deviceID)", key: key, expiry: expiry)
    } catch {
        preconditionFailure("signing with a base64 key failed: \(error)")
    }
    guard text.utf8.count <= SASToken.textBytesMax else { return }
    let expected = SASResource.device(hostName: host.uppercased(), deviceID: deviceID)
    let asciiHost = host.utf8.allSatisfy { $0 < 0x80 }
    let verdict = SASToken.verify(text, expectedResource: expected, keys: ["", key], now: expiry - 1)
    // uppercased() leaves non-ASCII hosts changed in ways the ASCII-only comparison won't undo.
    if asciiHost { precondition(verdict == .valid(expiresAt: expiry), "own token refused: \(verdict)") }
    // The static verify above is parse then verify; the other verdicts reuse one parse (each
    // parse percent-decodes the whole token, a third of this target's time when repeated).
    guard let token = try? SASToken(parsing: text) else { preconditionFailure("signed token refused") }
    precondition(token.verify(expectedResource: .device(hostName: host, deviceID: deviceID), keys: [key],
                              now: expiry) == .expired, "token valid at its expiry")
    var wrong = keyBytes.isEmpty ? [0] : keyBytes
    wrong[0] ^= 1
    precondition(token.verify(expectedResource: .device(hostName: host, deviceID: deviceID),
                              keys: [Base64.encode(wrong)], now: expiry - 1) == .badSignature, "another key verified")
    if case .valid = token.verify(expectedResource: .device(hostName: host, deviceID: deviceID + "x"),
                                  keys: [key], now: expiry - 1) {
        preconditionFailure("token valid for another device")
    }
}
