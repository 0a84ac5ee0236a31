import NaveEncoding

/// A parsed shared access signature: `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]`
/// (contract §1.3 device and module tokens, §4.1 service tokens). Parsing checks the shape only;
/// `verify` checks expiry, resource and signature.
///
/// `description` leaves the signature out, so a token can be logged.
public struct SASToken: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// Longest token text accepted, in bytes. SDK tokens are under 300 bytes; the limit keeps a
    /// hostile CONNECT password or Authorization header from costing more than a few µs.
    public static let textBytesMax = 4096

    /// `sr` exactly as sent, still percent-encoded: the signature covers these bytes (§1.3 step 5).
    public let rawResource: String
    /// `unquote(sr)`, e.g. `localhost/devices/dev1` or `localhost:8443`.
    public let resource: String
    /// The decoded `sig`: base64 of the HMAC. The service form may carry a raw `/` (§4.1).
    public let signature: String
    /// `se` as sent: the string to sign ends with these digits.
    public let rawExpiry: String
    /// `se`: expiry in seconds since the Unix epoch.
    public let expiry: Int64
    /// `skn`: the shared access policy name (service tokens, and device tokens signed with a
    /// policy key); nil for device and module keys (§1.3).
    public let keyName: String?

    /// Parses `text` strictly: fields in any order, each split on its first `=` and
    /// percent-decoded; `sr`, `sig` and `se` required; only `skn` besides (§1.3 steps 1–2).
    public init(parsing text: some StringProtocol) throws(SASError) {
        // One pass over the UTF-8 bytes: exact matching, and no per-byte String.Index work.
        let parsed = withContiguousBytes(text.utf8) { utf8 in Result { () throws(SASError) in try Self(utf8: utf8) } }
        self = try parsed.get()
    }

    public var description: String {
        "SharedAccessSignature(sr: \(resource), se: \(expiry)" + (keyName.map { ", skn: \($0)" } ?? "") + ", sig: <redacted>)"
    }

    /// `dump` and debuggers show the same redacted fields as `description`.
    public var customMirror: Mirror {
        Mirror(self, children: ["resource": resource, "expiry": expiry, "keyName": keyName as Any, "signature": "<redacted>"])
    }

    private init(utf8 text: UnsafeBufferPointer<UInt8>) throws(SASError) {
        guard text.count <= Self.textBytesMax else { throw .tooLong(byteCount: text.count) }
        let prefix = "SharedAccessSignature ".utf8
        guard text.starts(with: prefix) else { throw .missingPrefix }
        var fields = Fields()
        var start = prefix.count
        while true {
            let end = text[start...].firstIndex(of: UInt8(ascii: "&")) ?? text.count
            try fields.add(text[start..<end])
            if end == text.count { break }
            start = end + 1
        }
        guard let sr = fields.sr else { throw .missingField("sr") }
        guard let sig = fields.sig else { throw .missingField("sig") }
        guard let se = fields.se else { throw .missingField("se") }
        rawResource = String(decoding: sr, as: UTF8.self)
        resource = try Self.decode(sr, field: "sr")
        signature = try Self.decode(sig, field: "sig")
        let expiryText = try Self.decode(se, field: "se")
        guard let expiry = Self.seconds(expiryText) else { throw .badExpiry }
        rawExpiry = String(decoding: se, as: UTF8.self)
        self.expiry = expiry
        keyName = try fields.skn.map { skn throws(SASError) in try Self.decode(skn, field: "skn") }
    }

    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// The raw values of the four fields, before decoding.
    private struct Fields {
        var sr: Bytes?
        var sig: Bytes?
        var se: Bytes?
        var skn: Bytes?

        mutating func add(_ pair: Bytes) throws(SASError) {
            guard !pair.isEmpty else { throw .emptyPair }
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { throw .pairWithoutEquals }
            let name = pair[..<equals]
            let value = pair[(equals + 1)...]
            if name.elementsEqual("sr".utf8) {
                try Self.set(&sr, value, "sr")
            } else if name.elementsEqual("sig".utf8) {
                try Self.set(&sig, value, "sig")
            } else if name.elementsEqual("se".utf8) {
                try Self.set(&se, value, "se")
            } else if name.elementsEqual("skn".utf8) {
                try Self.set(&skn, value, "skn")
            } else {
                throw .unknownField(name: SASError.printableName(name))
            }
        }

        private static func set(_ slot: inout Bytes?, _ value: Bytes, _ name: String) throws(SASError) {
            guard slot == nil else { throw .duplicateField(name) }
            guard !value.isEmpty else { throw .emptyValue(field: name) }
            slot = value
        }
    }

    private static func decode(_ value: Bytes, field: String) throws(SASError) -> String {
        guard let decoded = PercentEncoding.decode(utf8: value) else { throw .badPercentEscape(field: field) }
        guard !decoded.isEmpty else { throw .emptyValue(field: field) }
        return decoded
    }

    /// Decimal seconds, 1–18 digits (no sign, no fraction: every SDK sends `int(time + ttl)`).
    private static func seconds(_ text: String) -> Int64? {
        guard (1...18).contains(text.utf8.count) else { return nil }
        var value: Int64 = 0
        for byte in text.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
