import CNaveProton
import Glibc
import Synchronization

/// The server side of AMQP's SASL layer (AMQP 1.0 §5.3), plugged into Proton through its SASL
/// implementation interface (`proton/sasl_plugin.h`).
///
/// Debian's Proton is built without Cyrus SASL, and its built-in server offers only `ANONYMOUS`
/// (and `EXTERNAL` when TLS gave a client certificate's subject); `PLAIN` exists there only on
/// the client side. IoT Hub's clients need more (contract §5.1, §6.2, Appendix A): uamqp insists
/// on `MSSBCBS`, pyamqp on `ANONYMOUS`, and a back end may present a policy name and key as
/// `PLAIN`. This implementation offers all three:
/// - `MSSBCBS` and `ANONYMOUS` succeed at once: the client authenticates later by putting a token
///   on `$cbs` (§5.2, §6.3), link by link.
/// - `PLAIN` (RFC 4616: `[authzid] NUL authcid NUL passwd`) is decided by `verifyPlain(policy, key)`.
public final class AMQPSASLServer: Sendable {
    /// The mechanisms offered in `sasl-mechanisms`, in order of preference.
    public let mechanisms: [String]
    /// Decides a `PLAIN` exchange: the policy name (authcid) and its key (passwd).
    public let verifyPlain: @Sendable (_ policy: String, _ key: String) -> Bool
    /// `mechanisms` space-separated, as Proton's `list_mechanisms` returns them; freed in deinit.
    nonisolated(unsafe) private let mechanismList: UnsafeMutablePointer<CChar>  // unsafe: written once in init, only read after

    /// User names handed to `pnx_sasl_set_succeeded`, which keeps the pointer without copying
    /// (Proton's `sasl.c`): they must outlive every transport, so each is made once and kept.
    /// Only verified policy names are added, so a client cannot grow this.
    private let userNames = Mutex<[String: UnsafeMutablePointer<CChar>]>([:])
    nonisolated(unsafe) private static let anonymousUser = strdup("anonymous")!  // unsafe: made once, only read by Proton
    nonisolated(unsafe) private static let tokenUser = strdup("")!  // unsafe: made once, only read by Proton

    public init(mechanisms: [String] = ["MSSBCBS", "ANONYMOUS", "PLAIN"],
                verifyPlain: @escaping @Sendable (_ policy: String, _ key: String) -> Bool = { _, _ in false }) {
        self.mechanisms = mechanisms
        self.verifyPlain = verifyPlain
        mechanismList = strdup(mechanisms.joined(separator: " "))
    }

    deinit {
        free(mechanismList)
        userNames.withLock { names in names.values.forEach { free($0) } }
    }

    /// The C string of a verified policy name, the same pointer for every login with it.
    private func userName(_ policy: String) -> UnsafeMutablePointer<CChar> {
        userNames.withLock { names in
            if let name = names[policy] { return name }
            let name = strdup(policy)!
            names[policy] = name
            return name
        }
    }

    /// Makes `transport`'s SASL layer this one. The handler keeps the server alive as long as
    /// the transport (Proton holds only an unretained context pointer).
    func install(on transport: OpaquePointer) {
        _ = pn_sasl(transport)
        pnx_sasl_set_implementation(transport, Self.implementation, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Decides `sasl-init` (AMQP 1.0 §5.3.3.2) for `mechanism` with its initial response.
    func decide(_ transport: OpaquePointer, mechanism: String, response: pn_bytes_t) {
        guard mechanisms.contains(mechanism) else { return fail(transport) }
        switch mechanism {
        case "ANONYMOUS": pnx_sasl_set_succeeded(transport, Self.anonymousUser, nil)
        case "MSSBCBS": pnx_sasl_set_succeeded(transport, Self.tokenUser, nil)
        case "PLAIN":
            guard let (policy, key) = Self.parsePlain(response), verifyPlain(policy, key) else { return fail(transport) }
            pnx_sasl_set_succeeded(transport, userName(policy), nil)
        default: return fail(transport)
        }
        pnx_sasl_set_desired_state(transport, SASL_POSTED_OUTCOME)
    }

    private func fail(_ transport: OpaquePointer) {
        pnx_sasl_set_failed(transport)
        pnx_sasl_set_desired_state(transport, SASL_POSTED_OUTCOME)
    }

    /// RFC 4616 §2: `[authzid] NUL authcid NUL passwd`; the authorization identity is ignored.
    static func parsePlain(_ response: pn_bytes_t) -> (policy: String, key: String)? {
        guard let start = response.start, response.size > 0 else { return nil }
        return parsePlain(UnsafeRawBufferPointer(start: start, count: Int(response.size)))
    }

    /// `parsePlain` over plain bytes (Tests/Fuzz's `AMQPFuzz` reaches it this way): the
    /// policy name (authcid, non-empty) and the key (passwd, everything after the second NUL).
    /// Ill-formed UTF-8 is repaired with U+FFFD (a policy key is base64 text: a repaired one
    /// matches none).
    public static func parsePlain(_ bytes: UnsafeRawBufferPointer) -> (policy: String, key: String)? {
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        // RFC 4616 §2: passwd is 1*SAFE, which excludes NUL (a fourth field is not a password).
        guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty, !parts[2].contains(0) else { return nil }
        return (String(decoding: parts[1], as: UTF8.self), String(decoding: parts[2], as: UTF8.self))
    }

    private static func server(_ transport: OpaquePointer?) -> AMQPSASLServer? {
        guard let transport, let context = pnx_sasl_get_context(transport) else { return nil }
        return Unmanaged<AMQPSASLServer>.fromOpaque(context).takeUnretainedValue()
    }

    /// The entry points Proton calls; capture-free C functions that find the server through the
    /// transport's context. Client-side and security-layer entries are never used here.
    nonisolated(unsafe) static let implementation: UnsafeMutablePointer<pnx_sasl_implementation> = {  // unsafe: initialised once, then only read by Proton
        let pointer = UnsafeMutablePointer<pnx_sasl_implementation>.allocate(capacity: 1)
        pointer.initialize(to: pnx_sasl_implementation(
            free: { _ in },
            list_mechanisms: { transport in UnsafePointer(server(transport)?.mechanismList) },
            init_server: { transport in
                pnx_sasl_set_desired_state(transport, SASL_POSTED_MECHANISMS)
                return true
            },
            init_client: { _ in false },
            prepare_write: { _ in },
            process_init: { transport, mechanism, response in
                guard let transport, let server = server(transport) else { return }
                let name = mechanism.map { String(cString: $0) } ?? ""
                server.decide(transport, mechanism: name, response: response?.pointee ?? pn_bytes_t(size: 0, start: nil))
            },
            process_response: { transport, _ in
                // None of the offered mechanisms sends a challenge, so no response is expected.
                pnx_sasl_set_failed(transport)
                pnx_sasl_set_desired_state(transport, SASL_POSTED_OUTCOME)
            },
            process_mechanisms: { _, _ in false },
            process_challenge: { _, _ in },
            process_outcome: { _, _ in },
            can_encrypt: { _ in false },
            max_encrypt_size: { _ in 0 },
            encode: { _, _, _ in 0 },
            decode: { _, _, _ in 0 }
        ))
        return pointer
    }()
}
