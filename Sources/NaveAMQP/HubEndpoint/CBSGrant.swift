import NaveModel

/// What one accepted `$cbs` put-token (contract §5.2, §6.3), or a `PLAIN` SASL login, lets a
/// connection do until it expires: the policy's rights over the whole hub (an IoT Hub service
/// token), or over the part of the events endpoint its Event Hubs audience names.
struct CBSGrant: Sendable, Equatable {
    enum Scope: Sendable, Equatable {
        /// The whole hub: a service token for the host (`sr=localhost`, uamqp's C2D flavour) or
        /// a PLAIN login with a policy's key.
        case hub
        /// Everything below `sb://{host}/{path}` of the events endpoint; `path` lower-cased
        /// without its leading `/`, e.g. `myhub` or `myhub/consumergroups/$default`.
        case eventHub(path: String)
    }

    /// The audience as the client named it (a later put-token for it replaces this grant).
    var audience: String
    var scope: Scope
    var rights: AccessRights
    /// Seconds since the epoch; `Int64.max` for a SASL login.
    var expiresAt: Int64

    /// Whether this grant, at `now`, gives `rights` over the event hub path `path` (lower-cased:
    /// `myhub` for management, `myhub/consumergroups/{cg}` for a partition receiver) — or, with
    /// `path` nil, over the hub's service side (C2D, feedback).
    func covers(eventHubPath path: String?, rights needed: AccessRights, now: Int64) -> Bool {
        guard expiresAt > now, rights.isSuperset(of: needed) else { return false }
        switch scope {
        case .hub:
            return true
        case .eventHub(let granted):
            guard let path else { return false }
            return path == granted || path.hasPrefix(granted + "/")
        }
    }
}

/// A connection's grants: at most `grantsMax`, one per audience (a renewed token replaces the
/// old one), so a client putting tokens in a loop cannot grow the connection.
struct CBSGrants: Sendable {
    static let grantsMax = 32
    private(set) var grants: [CBSGrant] = []

    /// Adds `grant`, replacing one for the same audience; when full, the grant that expires
    /// first makes room.
    mutating func add(_ grant: CBSGrant) {
        if let index = grants.firstIndex(where: { $0.audience == grant.audience }) {
            grants[index] = grant
            return
        }
        if grants.count >= Self.grantsMax, let soonest = grants.indices.min(by: { grants[$0].expiresAt < grants[$1].expiresAt }) {
            grants.remove(at: soonest)
        }
        grants.append(grant)
    }

    /// The latest expiry among grants covering the request, if any covers it now.
    func expiry(coveringEventHubPath path: String?, rights: AccessRights, now: Int64) -> Int64? {
        grants.filter { $0.covers(eventHubPath: path, rights: rights, now: now) }.map(\.expiresAt).max()
    }
}
