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
///
/// A server context can swap its certificate and key at run time (`reloadServerIdentity`, the
/// node's SIGHUP): a fresh `SSL_CTX` is built from the files and replaces the one new
/// connections start from. Connected sessions keep theirs (each `SSL` holds a reference on its
/// `SSL_CTX`, OpenSSL's own count frees the old one with its last session), so a reload drops
/// nobody. The swap takes a lock once per accepted connection, never per message.
public final class TLSContext: @unchecked Sendable {  // @unchecked: the SSL_CTX in force sits behind `current`'s lock and is immutable once built; the remembered session has its own lock
    public enum Role: Sendable { case server, client }

    /// What a server context is built from, kept so a reload builds the same context around
    /// the files' new contents.
    struct ServerOptions: Sendable {
        var certificateChainPath: String
        var privateKeyPath: String
        var requestClientCertificate: Bool
        var clientCAPath: String?
        var requireClientCertificate: Bool
    }

    /// The `SSL_CTX` new connections use, as the pointer's bits (an `OpaquePointer` is not
    /// `Sendable`); this object holds one reference on it.
    private let current: Mutex<UInt>
    public let role: Role
    /// Server contexts only: what `reloadServerIdentity` rebuilds from.
    private let serverOptions: ServerOptions?
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
    public convenience init(serverCertificateChainPath certificateChainPath: String, privateKeyPath: String,
                            requestClientCertificate: Bool = true) throws(TLSError) {
        try self.init(server: ServerOptions(certificateChainPath: certificateChainPath, privateKeyPath: privateKeyPath,
                                            requestClientCertificate: requestClientCertificate, clientCAPath: nil,
                                            requireClientCertificate: false))
    }

    init(server options: ServerOptions) throws(TLSError) {
        role = .server
        reusesSessions = false
        serverOptions = options
        current = Mutex(UInt(bitPattern: try Self.makeServerContext(options)))
    }

    /// Builds the certificate and key from disk again and puts them in force for connections
    /// accepted from now on; connected sessions are untouched. Throws, keeping the identity in
    /// force, when a file is missing, unreadable, or the key does not match the certificate.
    public func reloadServerIdentity() throws(TLSError) {
        guard let serverOptions else { throw TLSError("only a server context has an identity to reload") }
        let fresh = try Self.makeServerContext(serverOptions)
        let previous = current.withLock { slot in
            defer { slot = UInt(bitPattern: fresh) }
            return slot
        }
        // Our reference only: sessions made from it hold their own until they end.
        SSL_CTX_free(OpaquePointer(bitPattern: previous))
    }

    /// A new `SSL` on the context in force (`SSL_new` takes its own reference on the context,
    /// under the lock so a concurrent reload cannot free it meanwhile).
    func makeSSL() -> OpaquePointer? {
        current.withLock { SSL_new(OpaquePointer(bitPattern: $0)) }
    }

    /// A server `SSL_CTX` from `options`, configured completely before anyone can use it.
    private static func makeServerContext(_ options: ServerOptions) throws(TLSError) -> OpaquePointer {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new failed") }
        do throws(TLSError) {
            try configureCommon(context)
            guard SSL_CTX_use_certificate_chain_file(context, options.certificateChainPath) == 1 else {
                throw TLSError("cannot load certificate chain \(options.certificateChainPath)")
            }
            guard SSL_CTX_use_PrivateKey_file(context, options.privateKeyPath, SSL_FILETYPE_PEM) == 1,
                  SSL_CTX_check_private_key(context) == 1 else {
                throw TLSError("cannot load private key \(options.privateKeyPath) or it does not match the certificate")
            }
            if options.requestClientCertificate {
                // Verification of the client's chain belongs to the hub (thumbprint or CA); here any
                // certificate is accepted so the handshake never fails for lack of a trust anchor.
                SSL_CTX_set_verify(context, SSL_VERIFY_PEER, { _, _ in 1 })
            }
            try configureClientCA(context, options)
            // Resumption needs a session id context once peers may present certificates.
            let sessionContext = Array("nave".utf8)
            _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
            return context
        } catch {
            SSL_CTX_free(context)
            throw error
        }
    }

    /// A client context (the load harness, tests). `trustedCAPath` verifies the server; without it
    /// the server is not verified (benchmarks on loopback only). With `reuseSessions`, every new
    /// connection offers the last session the server issued on this context, so it resumes
    /// (`Connection.isTLSResumed`) instead of doing a full handshake.
    public init(clientTrustingCAPath trustedCAPath: String?, certificateChainPath: String? = nil,
                privateKeyPath: String? = nil, reuseSessions: Bool = false) throws(TLSError) {
        role = .client
        reusesSessions = reuseSessions
        serverOptions = nil
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSError("SSL_CTX_new failed") }
        current = Mutex(UInt(bitPattern: context))
        try Self.configureCommon(context)
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
        let context = OpaquePointer(bitPattern: current.withLock { $0 })!
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

    private static func configureCommon(_ context: OpaquePointer) throws(TLSError) {
        // TLS 1.2 and 1.3: the Python device SDK pins 1.2.
        guard cnave_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw TLSError("cannot set the minimum TLS version")
        }
        // RELEASE_BUFFERS: an idle TLS connection gives its record buffers back.
        _ = cnave_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE))
    }

    deinit {
        if let session = OpaquePointer(bitPattern: lastSession.withLock { $0 }) { SSL_SESSION_free(session) }
        SSL_CTX_free(OpaquePointer(bitPattern: current.withLock { $0 }))
    }
}
