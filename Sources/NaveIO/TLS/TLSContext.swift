import CNaveSSL
import Synchronization

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
public final class TLSContext: @unchecked Sendable {  // @unchecked: SSL_CTX is immutable after init; the remembered session has its own lock
    public enum Role: Sendable { case server, client }

    let context: OpaquePointer
    public let role: Role
    /// Client contexts made with `reuseSessions`: the newest resumable session the server gave
    /// (a TLS 1.3 ticket arrives after the handshake, so this is filled by `SSL_CTX_sess_set_new_cb`,
    /// not read back after connect). Stays nil otherwise. One slot, not a cache per server: the load
    /// harness dials one address per context. Held as the pointer's bits (0: none), since an
    /// `OpaquePointer` is not `Sendable`.
    private let lastSession = Mutex<UInt>(0)
    private let reusesSessions: Bool

    /// A server context.
    /// - Parameters:
    ///   - certificateChainPath: PEM, leaf first.
    ///   - privateKeyPath: PEM private key of the leaf.
    ///   - requestClientCertificate: ask for (never require) a client certificate; X.509 devices
    ///     are matched by thumbprint or chain above the engine, and SAS devices send none.
    public init(serverCertificateChainPath certificateChainPath: String, privateKeyPath: String,
                requestClientCertificate: Bool = true) throws(TLSError) {
        role = .server
        reusesSessions = false
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
    /// the server is not verified (benchmarks on loopback only). With `reuseSessions`, every new
    /// connection offers the last session the server issued on this context, so it resumes
    /// (`Connection.isTLSResumed`) instead of doing a full handshake.
    public init(clientTrustingCAPath trustedCAPath: String?, certificateChainPath: String? = nil,
                privateKeyPath: String? = nil, reuseSessions: Bool = false) throws(TLSError) {
        role = .client
        reusesSessions = reuseSessions
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
        if reuseSessions { enableClientSessionReuse() }
    }

    /// Client session cache in "external" mode: OpenSSL hands each new session to the callback
    /// (no internal store, whose lookups only serve servers), and the callback finds this object
    /// through the context's app-data slot (ex_data 0; the context never outlives `self`).
    private func enableClientSessionReuse() {
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_SESS_CACHE_MODE, Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE), nil)
        _ = SSL_CTX_set_ex_data(context, 0, Unmanaged.passUnretained(self).toOpaque())
        SSL_CTX_sess_set_new_cb(context) { ssl, session in
            guard let ssl, let session, SSL_SESSION_is_resumable(session) == 1,
                  let owner = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), 0) else { return 0 }
            Unmanaged<TLSContext>.fromOpaque(owner).takeUnretainedValue().remember(session)
            return 1 // the reference is ours now
        }
    }

    /// Keeps `session` (its reference is handed over) in place of the previous one.
    private func remember(_ session: OpaquePointer) {
        let previous = lastSession.withLock { slot in
            defer { slot = UInt(bitPattern: session) }
            return slot
        }
        if let previous = OpaquePointer(bitPattern: previous) { SSL_SESSION_free(previous) }
    }

    /// Offers the remembered session on a new client `ssl` (SSL_set_session takes its own
    /// reference, under the lock so the session cannot be freed meanwhile).
    func offerSession(to ssl: OpaquePointer) {
        guard reusesSessions else { return }
        lastSession.withLock { slot in
            if let session = OpaquePointer(bitPattern: slot) { _ = SSL_set_session(ssl, session) }
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

    deinit {
        if let session = OpaquePointer(bitPattern: lastSession.withLock { $0 }) { SSL_SESSION_free(session) }
        SSL_CTX_free(context)
    }
}
