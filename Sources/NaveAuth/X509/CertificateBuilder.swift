import CNaveSSL

/// Builds and signs one X.509 v3 certificate with OpenSSL's C API: random serial, validity,
/// subject, issuer, public key, extensions in OpenSSL's config syntax, SHA-256 signature.
struct CertificateBuilder {
    /// The issuer's certificate and key; nil signs the certificate with its own key.
    struct Issuer: ~Copyable {
        let certificate: OwnedX509
        let key: OwnedKey
    }

    var commonName: String
    var validityDays: Int
    /// `(NID, value)` in `openssl x509 -extfile` syntax, e.g. `(NID_basic_constraints, "critical,CA:TRUE")`.
    var extensions: [(nid: Int32, value: String)]

    /// Serial numbers are 16 random bytes (RFC 5280 §4.1.2.2 allows up to 20; CA/B asks for at
    /// least 64 random bits), made positive and of fixed length.
    static let serialByteCount = 16
    /// How far before "now" validity starts, in seconds: absorbs clock skew between the machine
    /// that made the certificate and the one that checks it.
    static let backdateSeconds = 3600

    /// A certificate for `key`'s public half, signed by `issuer`.
    func build(key: borrowing OwnedKey, issuer: borrowing Issuer) throws(CertificateError) -> OwnedX509 {
        try build(publicKey: key.pointer, issuerCertificate: issuer.certificate.pointer, signingKey: issuer.key.pointer)
    }

    /// A certificate for `key`'s public half, signed with `key` itself.
    func buildSelfSigned(key: borrowing OwnedKey) throws(CertificateError) -> OwnedX509 {
        try build(publicKey: key.pointer, issuerCertificate: nil, signingKey: key.pointer)
    }

    /// The pointers stay valid throughout: their owners are borrowed by the callers above.
    private func build(publicKey: OpaquePointer, issuerCertificate: OpaquePointer?,
                       signingKey: OpaquePointer) throws(CertificateError) -> OwnedX509 {
        guard let raw = X509_new() else { throw CertificateError("X509_new failed") }
        let certificate = OwnedX509(raw)
        let x = certificate.pointer
        guard X509_set_version(x, Int(X509_VERSION_3)) == 1 else { throw CertificateError("cannot set version") }
        try setSerial(x)
        guard X509_gmtime_adj(X509_getm_notBefore(x), -Self.backdateSeconds) != nil,
              X509_time_adj_ex(X509_getm_notAfter(x), Int32(validityDays), 0, nil) != nil else {
            throw CertificateError("cannot set validity")
        }
        guard let subject = X509_get_subject_name(x),
              X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, "Nave", -1, -1, 0) == 1,
              X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1 else {
            throw CertificateError("cannot set the subject name")
        }
        guard X509_set_pubkey(x, publicKey) == 1 else { throw CertificateError("cannot set the public key") }
        let issuerName = issuerCertificate.map { X509_get_subject_name($0) } ?? subject
        guard X509_set_issuer_name(x, issuerName) == 1 else { throw CertificateError("cannot set the issuer name") }
        try addExtensions(x, issuerCertificate: issuerCertificate ?? x)
        guard X509_sign(x, signingKey, EVP_sha256()) > 0 else { throw CertificateError("cannot sign") }
        return certificate
    }

    private func setSerial(_ x: OpaquePointer) throws(CertificateError) {
        var bytes = SecureRandom.bytes(count: Self.serialByteCount)
        bytes[0] = bytes[0] & 0x7F | 0x40 // positive (DER INTEGER is signed) and never shorter
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw CertificateError("BN_bin2bn failed") }
        defer { BN_free(number) }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x)) != nil else {
            throw CertificateError("cannot set the serial number")
        }
    }

    /// Adds `extensions` in order; `subjectKeyIdentifier` must come before an
    /// `authorityKeyIdentifier` of a self-signed certificate, which copies it.
    private func addExtensions(_ x: OpaquePointer, issuerCertificate: OpaquePointer) throws(CertificateError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuerCertificate, x, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionValue = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw CertificateError("cannot make extension \(String(cString: OBJ_nid2sn(nid)))")
            }
            defer { X509_EXTENSION_free(extensionValue) }
            guard X509_add_ext(x, extensionValue, -1) == 1 else {
                throw CertificateError("cannot add extension \(String(cString: OBJ_nid2sn(nid)))")
            }
        }
    }
}
