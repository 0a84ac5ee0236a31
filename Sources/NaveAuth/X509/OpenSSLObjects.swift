import CNaveSSL

// Owners for the OpenSSL objects NaveAuth creates: each frees its pointer exactly once when it
// goes out of scope, so early returns and throws cannot leak. Noncopyable: no reference counting.

/// An owned `X509 *`.
struct OwnedX509: ~Copyable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }

    /// Parses DER; nil when it is not one whole certificate.
    init?(der: [UInt8]) {
        var parsed: OpaquePointer?
        der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            parsed = d2i_X509(nil, &cursor, buffer.count)
            // Trailing bytes after the certificate mean the input was not one certificate.
            if let cursor, let base = buffer.baseAddress, cursor != base + buffer.count {
                X509_free(parsed)
                parsed = nil
            }
        }
        guard let parsed else { return nil }
        pointer = parsed
    }

    /// The DER encoding.
    var der: [UInt8] {
        let length = Int(i2d_X509(pointer, nil))
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            var cursor = buffer.baseAddress
            count = Int(i2d_X509(pointer, &cursor))
        }
    }

    /// The subject's last common name, decoded to UTF-8. A method, so that `self` (which owns
    /// the name's memory) is alive throughout.
    func commonName() -> String? {
        guard let name = X509_get_subject_name(pointer) else { return nil }
        var index: Int32 = -1
        var last: Int32 = -1
        while case let next = X509_NAME_get_index_by_NID(name, NID_commonName, index), next >= 0 {
            last = next
            index = next
        }
        guard last >= 0, let entry = X509_NAME_get_entry(name, last),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { ERR_clear_error(); return nil }
        defer { cnave_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// PEM (`-----BEGIN CERTIFICATE-----`).
    func pem() throws(CertificateError) -> String {
        let bio = OwnedBIO()
        guard PEM_write_bio_X509(bio.pointer, pointer) == 1 else { throw CertificateError("cannot write certificate PEM") }
        return bio.contents
    }
}

/// An owned `EVP_PKEY *`.
struct OwnedKey: ~Copyable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    /// A new ECDSA key on P-256 (prime256v1), encoded with the named curve as TLS clients need.
    static func generateP256() throws(CertificateError) -> OwnedKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw CertificateError("cannot create an EC key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_generate(context, &key) == 1, let key else {
            throw CertificateError("cannot generate a P-256 key")
        }
        return OwnedKey(key)
    }

    /// Reads a PEM private key (PKCS#8 or traditional, unencrypted).
    init(pem: String) throws(CertificateError) {
        let bio = try OwnedBIO(reading: pem)
        guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, nil, nil) else {
            throw CertificateError("cannot read private key PEM")
        }
        pointer = key
    }

    /// Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), what OpenSSL 3 writes by default.
    func pkcs8PEM() throws(CertificateError) -> String {
        let bio = OwnedBIO()
        guard PEM_write_bio_PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw CertificateError("cannot write private key PEM")
        }
        return bio.contents
    }
}

/// An owned memory `BIO *`.
struct OwnedBIO: ~Copyable {
    let pointer: OpaquePointer

    /// An empty, growable memory BIO to write into.
    init() {
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("BIO_new failed: out of memory") }
        pointer = bio
    }

    /// A BIO reading a copy of `text` (the copy outlives any String buffer).
    init(reading text: String) throws(CertificateError) {
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("BIO_new failed: out of memory") }
        let bytes = Array(text.utf8)
        guard bytes.count < Int(Int32.max),
              bytes.isEmpty || BIO_write(bio, bytes, Int32(bytes.count)) == Int32(bytes.count) else {
            BIO_free(bio)
            throw CertificateError("cannot buffer PEM text")
        }
        pointer = bio
    }

    deinit { BIO_free(pointer) }

    /// Everything written so far, as text (PEM is ASCII).
    var contents: String {
        var data: UnsafeMutablePointer<CChar>?
        let length = cnave_BIO_get_mem_data(pointer, &data)
        guard length > 0, let data else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
        }
    }
}

/// Every certificate in `pem`, in order (a bundle or a chain); throws when there is none or one
/// is damaged.
func readCertificates(pem: String) throws(CertificateError) -> [[UInt8]] {
    let bio = try OwnedBIO(reading: pem)
    var ders: [[UInt8]] = []
    while let certificate = PEM_read_bio_X509(bio.pointer, nil, nil, nil) {
        ders.append(OwnedX509(certificate).der)
    }
    // Reading stops with "no start line" at the end of the text: expected, not an error, unless
    // nothing was read at all or the text stopped inside a certificate.
    let last = ERR_peek_last_error()
    let endOfInput = ERR_GET_REASON(last) == PEM_R_NO_START_LINE
    guard !ders.isEmpty, last == 0 || endOfInput else {
        throw CertificateError(ders.isEmpty ? "no certificate in PEM text" : "damaged certificate in PEM text")
    }
    ERR_clear_error()
    return ders
}
