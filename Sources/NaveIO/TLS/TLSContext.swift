import CNaveSSL

/// A TLS failure, with OpenSSL's reason when it gave one. Never carries key material.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ what: String) {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        description = reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))"
    }
}

/// OpenSSL 3 configuration shared by every TLS connection of a listener (server) or of a
/// client: certificates, protocol range, session resumption. TLS itself runs as a byte transform
/// over memory BIOs inside the engine (`TLSSession`), so it needs no socket of its own.
public final class TLSContext: @unchecked Sendable {
    // @unchecked: SSL_CTX is safe to share once configured; it is not mutated after init.
    public enum Role: Sendable { case server, client }

    let context: OpaquePointer
    public let role: Role

    /// A server context.
    /// - Parameters:
    ///   - certificateChainPath: PEM, leaf first.
    ///   - privateKeyPath: PEM private key of the leaf.
    ///   - requestClientCertificate: ask for (never require) a client certificate; X.509 devices
    ///     are matched by thumbprint or chain above the engine, and SAS devices send none.
    public init(serverCertificateChainPath certificateChainPath: String, privateKeyPath: String,
                requestClientCertificate: Bool = true) throws(TLSError) {
        role = .server
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new failed") }
        self.context = context
        try configureCommon()
        guard SSL_CTX_use_certificate_chain_file(context, certificateChainPath) == 1 else {
            throw TLSError("cannot load certificate chain \(certificateChainPath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, privateKeyPath, SSL_FILETYPE_PEM) == 1,
              SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError("cannot load private key \(privateKeyPath) or it does not match the certificate")
        }
        if requestClientCertificate {
            // Verification of the client's chain belongs to the hub (thumbprint or CA); here any
            // certificate is accepted so the handshake never fails for lack of a trust anchor.
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, { _, _ in 1 })
        }
        // Resumption needs a session id context once peers may present certificates.
        let sessionContext = Array("nave".utf8)
        _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
    }

    /// A client context (the load harness, tests). `trustedCAPath` verifies the server; without it
    /// the server is not verified (benchmarks on loopback only).
    public init(clientTrustingCAPath trustedCAPath: String?, certificateChainPath: String? = nil,
                privateKeyPath: String? = nil) throws(TLSError) {
        role = .client
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSError("SSL_CTX_new failed") }
        self.context = context
        try configureCommon()
        if let trustedCAPath {
            guard SSL_CTX_load_verify_locations(context, trustedCAPath, nil) == 1 else {
                throw TLSError("cannot load CA \(trustedCAPath)")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
        if let certificateChainPath, let privateKeyPath {
            guard SSL_CTX_use_certificate_chain_file(context, certificateChainPath) == 1,
                  SSL_CTX_use_PrivateKey_file(context, privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError("cannot load client certificate \(certificateChainPath)")
            }
        }
    }

    private func configureCommon() throws(TLSError) {
        // TLS 1.2 and 1.3: the Python device SDK pins 1.2.
        guard cnave_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw TLSError("cannot set the minimum TLS version")
        }
        // RELEASE_BUFFERS: an idle TLS connection gives its record buffers back.
        _ = cnave_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE))
    }

    deinit { SSL_CTX_free(context) }
}
