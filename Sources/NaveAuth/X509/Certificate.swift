import CNaveSSL
import NaveEncoding

/// An X.509 certificate, kept as its DER bytes (a plain value: Sendable, nothing to free).
/// OpenSSL parses it again when a property needs more than the bytes; that happens once per
/// X.509 CONNECT, not per message.
public struct Certificate: Sendable, Hashable {
    /// The DER encoding, exactly as presented: thumbprints are digests of these bytes (§1.4).
    public let der: [UInt8]

    /// A certificate from DER; throws unless `der` is exactly one certificate.
    public init(der: [UInt8]) throws(CertificateError) {
        guard OwnedX509(der: der) != nil else {
            ERR_clear_error()
            throw CertificateError("not a DER certificate")
        }
        self.der = der
    }

    /// The first certificate of PEM text.
    public init(pem: String) throws(CertificateError) {
        der = try readCertificates(pem: pem)[0]
    }

    /// Every certificate of PEM text (a chain or a CA bundle), in order.
    public static func all(pem: String) throws(CertificateError) -> [Certificate] {
        try readCertificates(pem: pem).map { Certificate(verifiedDER: $0) }
    }

    /// Bytes that OpenSSL itself produced from a parsed certificate.
    init(verifiedDER: [UInt8]) { der = verifiedDER }

    /// SHA-1 of the DER as 40 uppercase hex digits, IoT Hub's usual thumbprint form.
    public var sha1Thumbprint: String { Hex.encode(Digest.sha1(der), uppercase: true) }

    /// SHA-256 of the DER as 64 uppercase hex digits.
    public var sha256Thumbprint: String { Hex.encode(Digest.sha256(der), uppercase: true) }

    /// The subject's common name (the last CN if there are several, as TLS stacks read it), or
    /// nil. For `certificateAuthority` devices it must equal the device id (§1.4).
    public var commonName: String? {
        OwnedX509(der: der)?.commonName()
    }

    /// PEM text of this certificate.
    public func pem() throws(CertificateError) -> String {
        guard let certificate = OwnedX509(der: der) else { throw CertificateError("not a DER certificate") }
        return try certificate.pem()
    }
}

/// Thumbprint matching for `selfSigned` devices (contract §1.4): the registry keeps
/// thumbprints as the service SDK sent them; the hub compares them with the presented leaf.
public enum Thumbprint {
    /// `stored` with `:` removed and letters uppercased, when it is 40 (SHA-1) or 64 (SHA-256)
    /// hex digits; nil otherwise.
    public static func normalized(_ stored: String) -> String? {
        let digits = stored.utf8.filter { $0 != UInt8(ascii: ":") }
        guard digits.count == 40 || digits.count == 64, digits.allSatisfy({ Hex.value($0) != nil }) else { return nil }
        return String(decoding: digits, as: UTF8.self).uppercased()
    }

    /// Whether `stored` (either length, any case, `:` allowed) is the thumbprint of `der`.
    public static func matches(_ stored: String, der: [UInt8]) -> Bool {
        guard let stored = normalized(stored) else { return false }
        let digest = stored.utf8.count == 40 ? Digest.sha1(der) : Digest.sha256(der)
        return stored == Hex.encode(digest, uppercase: true)
    }
}
