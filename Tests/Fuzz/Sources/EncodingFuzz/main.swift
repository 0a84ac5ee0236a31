import FuzzSupport
import NaveEncoding

/// libFuzzer entry point for NaveEncoding: percent-encoding, query strings, base64 and hex.
/// Every input goes through all four, as text (ill-formed UTF-8 repaired) and as raw bytes.
///
/// Checks: decoding what an encoder wrote gives back its input (for `quote`, `quote_plus`,
/// base64 and hex); a strict decoder's accepted input re-encodes canonically (base64, hex) or
/// decodes again after re-encoding to the same bytes (percent, query); the string, byte and
/// slice entry points of the percent decoder agree; `quote` writes only unreserved bytes,
/// `safe` bytes and `%XX` with uppercase digits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let text = input.bytes.text
    fuzzPercent(text, bytes: input.bytes)
    fuzzQuery(text)
    fuzzBase64(text, bytes: input.bytes)
    fuzzHex(text, bytes: input.bytes)
    return 0
}

/// `safe` sets the SDKs pass: none (SAS `sr`, `sig`), `/` (the service `sig`), and every
/// RFC 3986 sub-delimiter (a superset, to exercise the mask). Never `%`: `quote(safe="%")`
/// is not invertible, in Python either.
private let safeSets = ["", "/", "/:@!$&'()*+,;=", "é/"]

private func fuzzPercent(_ text: String, bytes: [UInt8]) {
    // One set per input, picked by its length: all four per input cost 4x the executions.
    do {
        let safe = safeSets[bytes.count % safeSets.count]
        let encoded = PercentEncoding.encode(text, safe: safe)
        precondition(isQuoted(encoded, safe: safe), "quote wrote a byte it should escape")
        precondition(PercentEncoding.decode(encoded) == text, "unquote(quote(s)) != s")
        let plus = PercentEncoding.encodePlus(text, safe: safe)
        precondition(!plus.utf8.contains(UInt8(ascii: " ")), "quote_plus left a space")
        if !safe.contains("+") {
            precondition(PercentEncoding.decode(plus, plusIsSpace: true) == text, "unquote_plus(quote_plus(s)) != s")
        }
        let raw = PercentEncoding.encode(bytes: bytes, safe: safe)
        precondition(PercentEncoding.decodeBytes(raw) == bytes, "unquote_to_bytes(quote_from_bytes(b)) != b")
    }
    for plusIsSpace in [false, true] {
        let decoded = PercentEncoding.decodeBytes(text, plusIsSpace: plusIsSpace)
        let asString = PercentEncoding.decode(text, plusIsSpace: plusIsSpace)
        precondition(asString == decoded.flatMap { String(validating: $0, as: UTF8.self) }, "decode and decodeBytes disagree")
        precondition(PercentEncoding.decode(utf8: Array(text.utf8)[...], plusIsSpace: plusIsSpace) == asString,
                     "decode(utf8:) disagrees with decode")
        guard let decoded else { continue }
        // Strict: an accepted text has a `%` only before two hex digits.
        precondition(PercentEncoding.decodeBytes(PercentEncoding.encode(bytes: decoded, spaceAsPlus: plusIsSpace),
                                                 plusIsSpace: plusIsSpace) == decoded, "re-encoded decode differs")
    }
}

/// Only unreserved bytes, ASCII bytes of `safe`, and `%` followed by two uppercase hex digits.
private func isQuoted(_ encoded: String, safe: String) -> Bool {
    let utf8 = Array(encoded.utf8)
    var index = 0
    while index < utf8.count {
        let byte = utf8[index]
        if byte == UInt8(ascii: "%") {
            guard index + 2 < utf8.count, utf8[(index + 1)...(index + 2)].allSatisfy(isUpperHex) else { return false }
            index += 3
        } else {
            guard PercentEncoding.isUnreserved(byte) || (byte < 128 && safe.utf8.contains(byte)) else { return false }
            index += 1
        }
    }
    return true
}

private func isUpperHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
}

private func fuzzQuery(_ text: String) {
    let raw = QueryString.rawPairs(Substring(text))
    for plusIsSpace in [false, true] {
        guard let items = QueryString.parse(text, plusIsSpace: plusIsSpace) else { continue }
        precondition(items.count == raw.count, "parse and rawPairs see different pairs")
        // `a` and `a=` both give an empty value; the rebuilt query writes `a=`, which parses alike.
        let rebuilt = items.map {
            PercentEncoding.encode($0.name, safe: "") + "=" + PercentEncoding.encode($0.value, safe: "")
        }.joined(separator: "&")
        precondition(QueryString.parse(rebuilt, plusIsSpace: plusIsSpace) == items, "rebuilt query parses differently")
    }
}

private func fuzzBase64(_ text: String, bytes: [UInt8]) {
    let encoded = Base64.encode(bytes)
    precondition(encoded.utf8.count == (bytes.count + 2) / 3 * 4, "base64 length")
    precondition(Base64.decode(encoded) == bytes, "base64 decode(encode(b)) != b")
    if let decoded = Base64.decode(text) {
        // Canonical decoding (RFC 4648 §3.5): one accepted text per byte string.
        precondition(Base64.encode(decoded) == text, "accepted base64 is not canonical")
    }
}

private func fuzzHex(_ text: String, bytes: [UInt8]) {
    for uppercase in [false, true] {
        let encoded = Hex.encode(bytes, uppercase: uppercase)
        precondition(encoded.utf8.count == bytes.count * 2 && Hex.decode(encoded) == bytes, "hex decode(encode(b)) != b")
    }
    if let decoded = Hex.decode(text) {
        precondition(Hex.encode(decoded, uppercase: false) == asciiLowercased(text), "accepted hex re-encodes differently")
    }
}

private func asciiLowercased(_ text: String) -> String {
    String(decoding: text.utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
}
