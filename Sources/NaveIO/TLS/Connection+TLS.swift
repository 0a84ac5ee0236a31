/// TLS as a byte transform inside the engine: ciphertext in from the socket, plaintext to the
/// handler; plaintext from the handler, ciphertext into the send queue. Handlers see no
/// difference except that `connectionActive` waits for the handshake.
extension Connection {
    /// The negotiated TLS version ("TLSv1.3"), nil on a plain connection or before the handshake.
    public var tlsProtocolVersion: String? {
        guard let tls, tls.isEstablished else { return nil }
        return tls.protocolVersion
    }

    /// The client certificate (DER) presented in the TLS handshake, if any.
    public var peerCertificateDER: [UInt8]? { tls?.peerCertificateDER }

    /// Whether the TLS session was resumed rather than fully negotiated.
    public var isTLSResumed: Bool { tls?.isResumed ?? false }

    /// Encrypts `plaintext` (or holds it until the handshake is done) and queues the records.
    func writeThroughTLS(_ tls: TLSSession, _ plaintext: UnsafeRawBufferPointer) {
        guard tls.isEstablished else {
            tls.plaintextBeforeHandshake.append(contentsOf: plaintext)
            return
        }
        if let error = tls.encrypt(plaintext) {
            loop.closeConnection(self, reason: .tlsFailed(error.description))
            return
        }
        queueCiphertext(tls)
    }

    /// Moves what OpenSSL produced into the send queue.
    func queueCiphertext(_ tls: TLSSession) {
        var pending = tls.pendingCiphertextBytes
        guard pending > 0 else { return }
        while pending > 0 {
            outbound.append(reserving: pending, pool: loop.chunkPool) { tls.drainCiphertext(into: $0) }
            pending = tls.pendingCiphertextBytes
        }
        loop.outboundGrew(self)
    }
}

extension EventLoop {
    /// Ciphertext arrived on a TLS connection.
    func didReceiveCiphertext(_ connection: Connection, _ tls: TLSSession, _ bytes: UnsafeRawBufferPointer) {
        let outcome = tls.receive(bytes, scratch: tlsScratch, established: {
            if tls.isResumed { self.tlsHandshakesResumed += 1 } else { self.tlsHandshakesFull += 1 }
            connection.handler?.connectionActive(connection)
            if !tls.plaintextBeforeHandshake.isEmpty, !connection.isClosed {
                let held = tls.plaintextBeforeHandshake
                tls.plaintextBeforeHandshake = []
                held.withUnsafeBytes { connection.writeThroughTLS(tls, $0) }
            }
        }, deliver: { plaintext in
            guard !connection.isClosed else { return }
            connection.deliverReceived(plaintext)
        })
        if connection.isClosed { return }
        connection.queueCiphertext(tls)
        switch outcome {
        case .handshaking, .data, .established:
            break
        case .closedByPeer:
            didReachEndOfInput(connection)
        case .failed(let error):
            logger.info("TLS failed", metadata: ["loop": "\(index)", "reason": "\(error)"])
            closeConnection(connection, reason: .tlsFailed(error.description))
        }
    }
}
