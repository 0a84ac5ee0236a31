import CNaveSSL

/// A certificate and its private key, both PEM. `description` leaves the key out.
public struct CertificateAndKey: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public let certificatePEM: String
    /// Unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`). Secret.
    public let privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    public var description: String {
        let name = (try? Certificate(pem: certificatePEM))?.commonName ?? "?"
        return "CertificateAndKey(CN=\(name), privateKey: <redacted>)"
    }

    /// `dump` and debuggers see the certificate, not the key.
    public var customMirror: Mirror {
        Mirror(self, children: ["certificatePEM": certificatePEM, "privateKeyPEM": "<redacted>"])
    }
}

/// Certificates for running Nave locally (`nave certs init`) and for X.509 device tests: a
/// development CA, a server certificate it signs, and device certificates. Every TLS client in
/// the contract checks the host name, so the server certificate names `localhost`, `127.0.0.1`
/// and `::1` (contract §0.2). All keys are ECDSA P-256, all signatures SHA-256; validity starts
/// an hour before OpenSSL's clock reads now.
public struct DevelopmentCertificates: Sendable, Equatable {
    /// The CA to hand to clients (`server_verification_cert`, `REQUESTS_CA_BUNDLE`,
    /// `SSL_CERT_FILE`, `connection_verify`; contract §0.2).
    public let certificateAuthority: CertificateAndKey
    /// The listeners' certificate, signed by `certificateAuthority`.
    public let server: CertificateAndKey

    /// Longest validity accepted, in days (100 years).
    public static let validityDaysMax = 36_500

    /// Makes a new CA and a server certificate signed by it.
    /// - Parameters:
    ///   - commonName: the server certificate's CN; the CA is "Nave development CA for {commonName}".
    ///   - dnsNames: subjectAltName DNS entries.
    ///   - ipAddresses: subjectAltName IP entries (IPv4 or IPv6 text).
    ///   - validityDays: for both certificates.
    public static func make(commonName: String, dnsNames: [String] = ["localhost"],
                            ipAddresses: [String] = ["127.0.0.1", "::1"],
                            validityDays: Int = 825) throws(CertificateError) -> DevelopmentCertificates {
        try checkValidity(validityDays)
        let names = dnsNames.map { "DNS:" + $0 } + ipAddresses.map { "IP:" + $0 }
        // The names go into OpenSSL's extension syntax, where `,` separates entries.
        guard !names.isEmpty, names.allSatisfy({ !$0.contains(",") && $0.count > 4 }) else {
            throw CertificateError("subjectAltName entries must be non-empty and hold no ','")
        }
        let caKey = try OwnedKey.generateP256()
        let caBuilder = CertificateBuilder(commonName: "Nave development CA for \(commonName)", validityDays: validityDays,
                                           extensions: [(NID_basic_constraints, "critical,CA:TRUE"),
                                                        (NID_key_usage, "critical,keyCertSign,cRLSign"),
                                                        (NID_subject_key_identifier, "hash"),
                                                        (NID_authority_key_identifier, "keyid:always")])
        let caCertificate = try caBuilder.buildSelfSigned(key: caKey)
        let issuer = CertificateBuilder.Issuer(certificate: caCertificate, key: caKey)
        let serverKey = try OwnedKey.generateP256()
        let serverBuilder = CertificateBuilder(commonName: commonName, validityDays: validityDays,
                                               extensions: [(NID_basic_constraints, "critical,CA:FALSE"),
                                                            (NID_key_usage, "critical,digitalSignature"),
                                                            (NID_ext_key_usage, "serverAuth"),
                                                            (NID_subject_alt_name, names.joined(separator: ",")),
                                                            (NID_subject_key_identifier, "hash"),
                                                            (NID_authority_key_identifier, "keyid:always")])
        let server = try serverBuilder.build(key: serverKey, issuer: issuer)
        return DevelopmentCertificates(
            certificateAuthority: CertificateAndKey(certificatePEM: try issuer.certificate.pem(),
                                                    privateKeyPEM: try issuer.key.pkcs8PEM()),
            server: CertificateAndKey(certificatePEM: try server.pem(), privateKeyPEM: try serverKey.pkcs8PEM()))
    }

    /// Makes a client certificate for an X.509 device or module (contract §1.4): EKU clientAuth,
    /// CN `commonName` (the device id, for `certificateAuthority` devices).
    /// - Parameter issuer: the CA that signs it; nil makes a self-signed certificate (for
    ///   `selfSigned` devices, matched by thumbprint).
    public static func makeDeviceCertificate(commonName: String, signedBy issuer: CertificateAndKey? = nil,
                                             validityDays: Int = 365) throws(CertificateError) -> CertificateAndKey {
        try checkValidity(validityDays)
        let key = try OwnedKey.generateP256()
        let builder = CertificateBuilder(commonName: commonName, validityDays: validityDays,
                                         extensions: [(NID_basic_constraints, "critical,CA:FALSE"),
                                                      (NID_key_usage, "critical,digitalSignature"),
                                                      (NID_ext_key_usage, "clientAuth"),
                                                      (NID_subject_key_identifier, "hash"),
                                                      (NID_authority_key_identifier, "keyid:always")])
        let certificate: OwnedX509
        if let issuer {
            let signer = CertificateBuilder.Issuer(certificate: try OwnedX509(pem: issuer.certificatePEM),
                                                   key: try OwnedKey(pem: issuer.privateKeyPEM))
            guard X509_check_private_key(signer.certificate.pointer, signer.key.pointer) == 1 else {
                throw CertificateError("the issuer's key does not match its certificate")
            }
            certificate = try builder.build(key: key, issuer: signer)
        } else {
            certificate = try builder.buildSelfSigned(key: key)
        }
        return CertificateAndKey(certificatePEM: try certificate.pem(), privateKeyPEM: try key.pkcs8PEM())
    }

    private static func checkValidity(_ days: Int) throws(CertificateError) {
        guard (1...validityDaysMax).contains(days) else {
            throw CertificateError("validity must be 1...\(validityDaysMax) days, not \(days)")
        }
    }
}

extension OwnedX509 {
    /// The first certificate of PEM text.
    init(pem: String) throws(CertificateError) {
        let der = try readCertificates(pem: pem)[0]
        guard let certificate = OwnedX509(der: der) else { throw CertificateError("not a certificate") }
        self = certificate
    }
}
