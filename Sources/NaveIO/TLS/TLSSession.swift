import CNaveSSL

/// One connection's TLS state: an OpenSSL `SSL` between two memory BIOs. Ciphertext from the
/// socket goes into `incoming`; what OpenSSL wants to send comes out of `outgoing` and joins the
/// connection's send queue like any other bytes. No socket, no blocking, no thread of its own.
final class TLSSession {
    enum ReceiveOutcome {
        /// More handshake bytes are needed (or were produced).
        case handshaking
        /// The handshake completed during this call (plaintext may have been delivered too).
        case established
        /// Application data was delivered (zero or more chunks).
        case data
        /// The peer sent close_notify.
        case closedByPeer
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    /// Held so the context outlives its connections: a client context's session callback finds
    /// the Swift object through the SSL_CTX (tickets arrive any time after the handshake).
    private let context: TLSContext
    private let incoming: OpaquePointer
    private let outgoing: OpaquePointer
    private(set) var isEstablished = false
    /// Plaintext written before the handshake finished (a client may write first).
    var plaintextBeforeHandshake: [UInt8] = []

    /// `serverName` (a client's): sent as SNI and required in the server's certificate (a DNS
    /// name, or an IP address in its IP SANs) when the context verifies the server.
    init(context: TLSContext, serverName: String? = nil) throws(TLSError) {
        guard let ssl = context.makeSSL() else { throw TLSError("SSL_new failed") }
        if let serverName, context.role == .client {
            let isIPAddress = SocketAddress(host: serverName, port: 0) != nil
            guard cnave_SSL_expect_server(ssl, serverName, isIPAddress ? 1 : 0) == 1 else {
                SSL_free(ssl)
                throw TLSError("cannot expect server name \(serverName)")
            }
        }
        guard let incoming = BIO_new(BIO_s_mem()), let outgoing = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError("BIO_new failed")
        }
        // An empty read BIO means "want more", not end of file.
        _ = cnave_BIO_set_mem_eof_return(incoming, -1)
        _ = cnave_BIO_set_mem_eof_return(outgoing, -1)
        SSL_set_bio(ssl, incoming, outgoing) // the SSL owns both BIOs now
        switch context.role {
        case .server: SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            context.offerSession(to: ssl)
        }
        self.ssl = ssl
        self.context = context
        self.incoming = incoming
        self.outgoing = outgoing
    }

    deinit { SSL_free(ssl) }

    /// Client side: produce the ClientHello.
    func startHandshake() -> TLSError? {
        advanceHandshake()
    }

    /// Feeds ciphertext and hands every plaintext chunk to `deliver` (valid during the call);
    /// `established` runs once, when the handshake completes, before any plaintext.
    func receive(_ ciphertext: UnsafeRawBufferPointer, scratch: UnsafeMutableRawBufferPointer,
                 established: () -> Void, deliver: (UnsafeRawBufferPointer) -> Void) -> ReceiveOutcome {
        var remaining = ciphertext
        var justEstablished = false
        while !remaining.isEmpty {
            let written = BIO_write(incoming, remaining.baseAddress, Int32(min(remaining.count, Int(Int32.max))))
            guard written > 0 else { return .failed(TLSError("BIO_write failed")) }
            remaining = UnsafeRawBufferPointer(rebasing: remaining.dropFirst(Int(written)))
            if !isEstablished {
                if let error = advanceHandshake() { return .failed(error) }
                if !isEstablished { continue }
                justEstablished = true
                // Before any plaintext: application data may share this read with the
                // handshake's last flight, and the handler must be active to receive it.
                established()
            }
            while true {
                let count = SSL_read(ssl, scratch.baseAddress, Int32(scratch.count))
                if count > 0 {
                    deliver(UnsafeRawBufferPointer(rebasing: scratch.prefix(Int(count))))
                    continue
                }
                switch SSL_get_error(ssl, count) {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: break
                case SSL_ERROR_ZERO_RETURN: return .closedByPeer
                default: return .failed(TLSError("TLS read failed"))
                }
                break
            }
        }
        return justEstablished ? .established : (isEstablished ? .data : .handshaking)
    }

    /// Drives the handshake; nil unless it failed.
    private func advanceHandshake() -> TLSError? {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            isEstablished = true
            return nil
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return nil
        default: return TLSError("TLS handshake failed")
        }
    }

    /// Encrypts `plaintext`; the records wait in the outgoing BIO for `drainCiphertext`.
    func encrypt(_ plaintext: UnsafeRawBufferPointer) -> TLSError? {
        var remaining = plaintext
        while !remaining.isEmpty {
            let written = SSL_write(ssl, remaining.baseAddress, Int32(min(remaining.count, 1 << 20)))
            guard written > 0 else { return TLSError("TLS write failed") }
            remaining = UnsafeRawBufferPointer(rebasing: remaining.dropFirst(Int(written)))
        }
        return nil
    }

    /// Queues a close_notify alert.
    func shutdown() { _ = SSL_shutdown(ssl) }

    /// Bytes OpenSSL wants sent.
    var pendingCiphertextBytes: Int { Int(cnave_BIO_pending(outgoing)) }

    /// Moves pending ciphertext into `target` (at most its size); returns the count.
    func drainCiphertext(into target: UnsafeMutableRawBufferPointer) -> Int {
        let count = BIO_read(outgoing, target.baseAddress, Int32(target.count))
        return max(0, Int(count))
    }

    /// The negotiated protocol, e.g. "TLSv1.3".
    var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The peer's certificate in DER, if it sent one.
    var peerCertificateDER: [UInt8]? {
        guard let certificate = SSL_get0_peer_certificate(ssl) else { return nil }
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(certificate, &output)
        guard length > 0, let output else { return nil }
        defer { CRYPTO_free(output, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }

    /// Whether this connection resumed an earlier session (no full handshake).
    var isResumed: Bool { SSL_session_reused(ssl) == 1 }
}
