/// Which client-id namespace a session lives in. IoT Hub devices and the general broker's
/// clients are apart: a device is named by an identity its listener authenticated, a plain
/// client by whatever it sends, so an anonymous `mosquitto_sub -i dev1` must not take over
/// (§3.1.4-2) the authenticated device `dev1`, nor the device a broker client.
public enum MQTTSessionRealm: Sendable, Hashable {
    /// The general MQTT broker's clients, on any listener without a hub.
    case broker
    /// IoT Hub devices and modules, on the hub's device listeners (MQTT/TLS, WebSocket).
    case hubDevices
}

/// A session's name: its realm and its client id within it.
public struct MQTTSessionKey: Sendable, Hashable, CustomStringConvertible {
    public var realm: MQTTSessionRealm
    public var clientID: String

    public init(_ realm: MQTTSessionRealm, _ clientID: String) {
        self.realm = realm
        self.clientID = clientID
    }

    public var description: String { clientID }
}

/// Session key (realm, client id) → session, with the decisions MQTT 3.1.1 makes when a CONNECT arrives: takeover
/// of a connected client (§3.1.4-2), resuming a stored session (clean session 0) or discarding
/// it (clean session 1, §3.1.2.4). Pure; the broker keeps one behind a lock.
///
/// Each attachment gets a generation number, so a connection that was taken over and closes
/// later cannot detach its successor.
public struct MQTTSessionDirectory<Session: AnyObject> {
    struct Entry {
        var session: Session
        var cleanSession: Bool
        /// The generation of the connection attached, or nil when the session is offline.
        var attached: UInt64?
    }

    /// What the broker must do for a CONNECT.
    public struct Decision {
        /// The session the new connection uses.
        public let session: Session
        /// CONNACK's session-present flag (§3.2.2.2).
        public let sessionPresent: Bool
        /// The session that existed for this client id, if any: its connection (if attached)
        /// must be closed, and then, when it is not `session`, it must be discarded.
        public let previous: Session?
        /// Whether `previous` had a connection attached (a takeover, §3.1.4-2).
        public let takesOver: Bool
        /// The generation the new connection detaches with.
        public let generation: UInt64
    }

    private var entries: [MQTTSessionKey: Entry] = [:]
    private var lastGeneration: UInt64 = 0

    public init() {}

    /// Sessions known, online and offline.
    public var count: Int { entries.count }

    /// Sessions stored without a connection.
    public var offlineCount: Int { entries.values.count { $0.attached == nil } }

    /// Decides what a CONNECT for `key` with `cleanSession` gets.
    public mutating func connect(_ key: MQTTSessionKey, cleanSession: Bool, makeSession: () -> Session) -> Decision {
        lastGeneration += 1
        let existing = entries[key]
        let resumes = !cleanSession && existing != nil && existing?.cleanSession == false
        let session = resumes ? existing!.session : makeSession()
        entries[key] = Entry(session: session, cleanSession: cleanSession, attached: lastGeneration)
        return Decision(session: session, sessionPresent: resumes, previous: existing?.session,
                        takesOver: existing?.attached != nil, generation: lastGeneration)
    }

    /// The connection of `generation` ended. A clean session is forgotten, a persistent one
    /// stays, offline. Returns false when a newer connection holds the client id (nothing
    /// changes then).
    @discardableResult
    public mutating func disconnected(_ key: MQTTSessionKey, generation: UInt64) -> Bool {
        guard let entry = entries[key], entry.attached == generation else { return false }
        if entry.cleanSession { entries[key] = nil } else { entries[key]?.attached = nil }
        return true
    }

    /// The session stored for `key`, if any.
    public func session(for key: MQTTSessionKey) -> Session? { entries[key]?.session }
}
