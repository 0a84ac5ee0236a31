import NaveModel
import Synchronization

/// The service token one HTTP connection last presented and that verified, so its next
/// requests skip the parse and the HMAC (issue #18 G8: a back end such as azure-iot-hub signs
/// one token and sends it on every request of a keep-alive connection).
///
/// A remembered token still passes only while three things hold, each checked per request:
/// the header is the same text, its `se` is still after the clock's now (contract §4.1), and
/// the policy that verified it is unchanged in the registry — same keys, same rights. A
/// regenerated or swapped key, a deleted policy or changed rights therefore send the token
/// through the full check again, which refuses it when its key is gone. One slot per
/// connection: nothing grows with what a client sends.
public final class ServiceTokenCache: Sendable {
    struct Entry {
        /// The `Authorization` header as sent.
        let authorization: String
        /// The policy as it was when the token verified against it.
        let policy: SharedAccessPolicy
        /// `se`: the token is not accepted at or after this second (Unix epoch).
        let expiresAt: Int64
    }

    /// Requests on a connection are answered one at a time, so this lock is never contended;
    /// it is what makes the cache `Sendable` without a promise the compiler cannot check.
    private let slot = Mutex<Entry?>(nil)

    public init() {}

    /// The policy `authorization` verified against, if it is the remembered token, it has not
    /// expired at `now`, and `currentPolicy` (the registry's policy of that name) is unchanged.
    func policy(for authorization: String, now: Int64,
                currentPolicy: (String) -> SharedAccessPolicy?) -> SharedAccessPolicy? {
        guard let entry = slot.withLock({ $0 }), entry.authorization == authorization else { return nil }
        guard entry.expiresAt > now, currentPolicy(entry.policy.name) == entry.policy else {
            slot.withLock { $0 = nil }
            return nil
        }
        return entry.policy
    }

    func remember(_ authorization: String, policy: SharedAccessPolicy, expiresAt: Int64) {
        slot.withLock { $0 = Entry(authorization: authorization, policy: policy, expiresAt: expiresAt) }
    }
}
