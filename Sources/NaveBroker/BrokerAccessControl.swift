import NaveAuth
import Synchronization

/// Who may use the general broker and what they may do: a Mosquitto password file, whether
/// clients without a username are let in, and a Mosquitto ACL file. Shared by every plain and
/// TLS broker listener (Mosquitto's `per_listener_settings false`). Files can be replaced while
/// the node runs (SIGHUP): new CONNECTs use the new password file at once, and connected
/// clients use the new ACL from their next check.
public final class BrokerAccessControl: Sendable {
    /// The files in force.
    public struct Policy: Sendable {
        public var passwordFile: PasswordFile?
        public var acl: AccessControlList?
        public var allowAnonymous: Bool

        public init(passwordFile: PasswordFile?, acl: AccessControlList?, allowAnonymous: Bool) {
            self.passwordFile = passwordFile
            self.acl = acl
            self.allowAnonymous = allowAnonymous
        }
    }

    private let policy: Mutex<Policy>
    /// Bumped by every replacement: a client's resolved rules (`ACLSubject`) remember the
    /// version they were made from and are made again when it moved.
    private let version = Atomic<UInt64>(0)
    /// Whether an ACL file was configured at start: without one no check is made at all (the
    /// publish and delivery paths then cost nothing), and a reload cannot add one.
    public let enforcesACL: Bool

    public init(_ policy: Policy) {
        self.policy = Mutex(policy)
        enforcesACL = policy.acl != nil
    }

    public var current: Policy { policy.withLock { $0 } }

    /// Puts a newly parsed password file in force for the next CONNECTs.
    public func replace(passwordFile: PasswordFile) {
        policy.withLock { $0.passwordFile = passwordFile }
        version.add(1, ordering: .releasing)
    }

    /// Puts a newly parsed ACL in force for every later check, of connected clients too.
    public func replace(acl: AccessControlList) {
        policy.withLock { $0.acl = acl }
        version.add(1, ordering: .releasing)
    }

    var currentVersion: UInt64 { version.load(ordering: .acquiring) }

    /// The rules for one client under the ACL in force (everything allowed without one).
    func resolve(clientID: String, username: String?) -> ClientAccess? {
        policy.withLock { $0.acl }?.access(clientID: clientID, username: username)
    }
}

/// One client's identity for ACL checks and its resolved rules, made again after a reload.
/// Confined to one loop: the connection's, and its session's owner while they are one (a
/// reconnect makes a new subject on its own loop). A class, so a connection or session without
/// an ACL pays one nil pointer.
final class ACLSubject {
    let clientID: String
    let username: String?
    private let control: BrokerAccessControl
    private var resolved: ClientAccess?
    private var version: UInt64

    init(clientID: String, username: String?, control: BrokerAccessControl) {
        self.clientID = clientID
        self.username = username
        self.control = control
        version = control.currentVersion
        resolved = control.resolve(clientID: clientID, username: username)
    }

    /// The rules under the ACL in force now; nil when there is none (then all is allowed).
    private var rules: ClientAccess? {
        let now = control.currentVersion
        if now != version {
            version = now
            resolved = control.resolve(clientID: clientID, username: username)
        }
        return resolved
    }

    func mayPublish(_ topic: String) -> Bool { rules?.mayPublish(topic) ?? true }
    func mayRead(_ topic: String) -> Bool { rules?.mayRead(topic) ?? true }
    func maySubscribe(_ filter: String) -> Bool { rules?.maySubscribe(filter) ?? true }
}
