import CNaveSSL

extension TLSContext {
    /// A server context that checks client certificates itself, against `clientCAPath` (PEM),
    /// as Mosquitto's `cafile` + `require_certificate` do (`src/net.c`): with
    /// `requireClientCertificate` the handshake fails without a certificate that chains to
    /// those CAs; without it no certificate is asked for (Mosquitto's `SSL_VERIFY_NONE`).
    /// The hub's listeners use the other initializer: they accept any certificate and match
    /// devices by thumbprint above the engine.
    public convenience init(serverCertificateChainPath: String, privateKeyPath: String,
                            clientCAPath: String?, requireClientCertificate: Bool) throws(TLSError) {
        if clientCAPath == nil, requireClientCertificate {
            throw TLSError("a client certificate can only be required with a CA file")
        }
        try self.init(server: ServerOptions(certificateChainPath: serverCertificateChainPath, privateKeyPath: privateKeyPath,
                                            requestClientCertificate: false, clientCAPath: clientCAPath,
                                            requireClientCertificate: requireClientCertificate))
    }

    /// The client CA part of a server context (nothing without `clientCAPath`); a reload reads
    /// the CA file again too.
    static func configureClientCA(_ context: OpaquePointer, _ options: ServerOptions) throws(TLSError) {
        guard let clientCAPath = options.clientCAPath else { return }
        guard SSL_CTX_load_verify_locations(context, clientCAPath, nil) == 1 else {
            throw TLSError("cannot load client CA \(clientCAPath)")
        }
        if options.requireClientCertificate {
            // The CertificateRequest names these CAs, so clients pick a matching certificate.
            if let names = SSL_load_client_CA_file(clientCAPath) { SSL_CTX_set_client_CA_list(context, names) }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
    }
}
