import NaveCore
import NaveEncoding
import NaveModel
import Synchronization

/// One signed-in browser. The cookie carries only `id`; the policy and its rights stay on the
/// node, and are looked up again on every request, so a policy deleted or a key regenerated
/// since the sign-in ends the session at once (as it ends every SAS signed with the old key).
public struct ConsoleSession: Sendable, Equatable {
    /// 32 random bytes from the node's random source, hex: the cookie's value.
    public var id: String
    /// The shared access policy the connection string named.
    public var policyName: String
    /// Which of the policy's keys signed in (`primary` or `secondary`), and its value then.
    var key: String
    /// 32 more random bytes, hex: every POST must echo it (`csrf` form field), and only pages
    /// of this session show it; another site can neither read nor guess it (OWASP's
    /// synchronizer token pattern).
    public var csrfToken: String
    public var expiry: Timestamp
}

/// The sessions a node holds, in memory: a restart signs everyone out, which is what a
/// short-lived sign-in promises anyway.
public final class ConsoleSessions: Sendable {
    /// Bytes of randomness in a session id and in a CSRF token (256 bits each).
    public static let tokenBytes = 32

    let limits: ConsoleLimits
    let clock: any HubClock
    let random: any HubRandom
    private let sessions = Mutex<[String: ConsoleSession]>([:])
    /// One note per session for its next page (POST, redirect, GET).
    private let flashes = Mutex<[String: ConsoleFlash]>([:])

    public init(limits: ConsoleLimits, clock: any HubClock, random: any HubRandom) {
        self.limits = limits
        self.clock = clock
        self.random = random
    }

    /// A new session for `policy`, signed in with `key`; the oldest session goes when full.
    func open(policy: SharedAccessPolicy, key: String) -> ConsoleSession {
        let now = clock.now()
        let session = ConsoleSession(id: Hex.encode(random.bytes(Self.tokenBytes)), policyName: policy.name, key: key,
                                     csrfToken: Hex.encode(random.bytes(Self.tokenBytes)),
                                     expiry: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch
                                                       + Int64(limits.sessionLifetimeSeconds) * 1000))
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expiry > now }
            if sessions.count >= limits.sessionsMax, let oldest = sessions.values.min(by: { $0.expiry < $1.expiry }) {
                sessions[oldest.id] = nil
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id, or nil (unknown, expired).
    public func session(id: String) -> ConsoleSession? {
        let now = clock.now()
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expiry > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    /// The live session whose CSRF token is `token`, or nil (unknown, expired). The live
    /// telemetry WebSocket's opening message carries the token because its handler never sees
    /// the upgrade request's cookie; every session's token is compared, each in constant time,
    /// so how long the lookup takes says nothing about how much of a guess matched.
    public func session(csrfToken token: String) -> ConsoleSession? {
        let now = clock.now()
        return sessions.withLock { sessions in
            var found: ConsoleSession?
            for session in sessions.values where constantTimeEqual(token, session.csrfToken) { found = session }
            guard let session = found else { return nil }
            guard session.expiry > now else {
                sessions[session.id] = nil
                return nil
            }
            return session
        }
    }

    func close(id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
        _ = flashes.withLock { $0.removeValue(forKey: id) }
    }

    func setFlash(id: String, _ flash: ConsoleFlash) {
        flashes.withLock { flashes in
            // Bounded by the sessions: a note for a session that is gone is not kept.
            if flashes.count >= limits.sessionsMax { flashes.removeAll() }
            flashes[id] = flash
        }
    }

    func takeFlash(id: String) -> ConsoleFlash? {
        flashes.withLock { $0.removeValue(forKey: id) }
    }

    /// Sessions held now (expired ones included until they are next touched).
    public var count: Int { sessions.withLock { $0.count } }

    /// Seconds the session has left (the cookie's `Max-Age`).
    func secondsLeft(_ session: ConsoleSession) -> Int64 {
        max(0, (session.expiry.millisecondsSinceEpoch - clock.now().millisecondsSinceEpoch) / 1000)
    }
}
