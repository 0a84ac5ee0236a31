import CNaveSSL

/// The result of checking a certificate against configured CAs.
public enum CertificateChainVerification: Sendable, Equatable {
    case trusted
    /// OpenSSL's reason (`X509_verify_cert_error_string`), e.g. "unable to get local issuer
    /// certificate" or "certificate has expired".
    case untrusted(reason: String)
}

extension Certificate {
    /// Checks that this certificate chains to one of `caPEMs`, for `certificateAuthority`
    /// devices (contract §1.4). Host names are not checked (a device is not a server) and
    /// neither is the purpose: device certificates often carry no extended key usage. Every
    /// configured CA is a trust anchor even when it is an intermediate (`X509_V_FLAG_PARTIAL_CHAIN`),
    /// as an uploaded intermediate CA is in IoT Hub.
    /// - Parameters:
    ///   - caPEMs: PEM texts, each holding one or more CA certificates.
    ///   - intermediates: untrusted certificates the client sent after its leaf.
    ///   - now: seconds since the epoch to check validity at; nil uses OpenSSL's clock.
    public func verifyChain(to caPEMs: [String], intermediates: [Certificate] = [],
                            now: Int64? = nil) -> CertificateChainVerification {
        guard let leaf = OwnedX509(der: der) else { return .untrusted(reason: "not a DER certificate") }
        guard let store = X509_STORE_new() else { return .untrusted(reason: "out of memory") }
        defer { X509_STORE_free(store) }
        for pem in caPEMs {
            // A CA file that does not parse is skipped: others may still vouch for the device.
            let ders = (try? readCertificates(pem: pem)) ?? []
            for der in ders {
                guard let ca = OwnedX509(der: der) else { continue }
                _ = X509_STORE_add_cert(store, ca.pointer) // takes its own reference
            }
        }
        _ = X509_STORE_set_flags(store, UInt(X509_V_FLAG_PARTIAL_CHAIN))
        ERR_clear_error()
        return Self.verify(leaf: leaf, store: store, intermediates: intermediates, now: now)
    }

    /// `verifyChain(to:intermediates:now:) == .trusted`.
    public func verifies(chainTo caPEMs: [String], intermediates: [Certificate] = [], now: Int64? = nil) -> Bool {
        verifyChain(to: caPEMs, intermediates: intermediates, now: now) == .trusted
    }

    private static func verify(leaf: borrowing OwnedX509, store: OpaquePointer, intermediates: [Certificate],
                               now: Int64?) -> CertificateChainVerification {
        guard let context = X509_STORE_CTX_new(), let untrusted = OPENSSL_sk_new_null() else {
            return .untrusted(reason: "out of memory")
        }
        // The owners keep the intermediates alive until verification ends; the stack only borrows.
        var owned: [OwnedX509Box] = []
        defer {
            OPENSSL_sk_free(untrusted)
            X509_STORE_CTX_free(context)
        }
        for certificate in intermediates {
            guard let box = OwnedX509Box(der: certificate.der) else { continue }
            owned.append(box)
            _ = OPENSSL_sk_push(untrusted, UnsafeRawPointer(box.pointer))
        }
        guard X509_STORE_CTX_init(context, store, leaf.pointer, untrusted) == 1 else {
            ERR_clear_error()
            return .untrusted(reason: "cannot set up verification")
        }
        if let now { X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context), time_t(now)) }
        let verified = X509_verify_cert(context) == 1
        let reason = String(cString: X509_verify_cert_error_string(Int(X509_STORE_CTX_get_error(context))))
        ERR_clear_error()
        withExtendedLifetime(owned) {}
        return verified ? .trusted : .untrusted(reason: reason)
    }
}

/// A class owner for certificates kept in an array (noncopyable values cannot be).
private final class OwnedX509Box {
    let pointer: OpaquePointer
    init?(der: [UInt8]) {
        guard let certificate = OwnedX509(der: der) else { return nil }
        // Take a reference of our own before `certificate` frees the one it holds.
        X509_up_ref(certificate.pointer)
        pointer = certificate.pointer
    }
    deinit { X509_free(pointer) }
}
