import Configuration
import NaveLimits

/// The admin listener (issue #16): plain HTTP/1.1 serving `/health/live`, `/health/ready` and
/// `/metrics`, unauthenticated, on its own loop so it outlives the drain (`AdminListener`).
/// Keys under `admin.` (Tuning/reference.yaml).
public struct AdminConfiguration: Sendable {
    /// What `admin.listeners` is when the key is absent: loopback only, as edgeHub's metrics
    /// listener is by default. A node read from a file or the environment (`nave serve`) opens it.
    public static let defaultListeners = [NaveConfiguration.Listener(host: "127.0.0.1", port: 9600)]
    /// Where the admin endpoints are served; empty: no admin listener. A node built in code
    /// (an embedder, a test) has none unless it sets one: its host process may serve its own
    /// health and metrics (`NaveServer.publishMetrics`), and two such nodes must not race for
    /// one fixed port.
    public var listeners: [NaveConfiguration.Listener] = []
    /// How long a scrape waits for every loop to hand over its counters (milliseconds); a loop
    /// that does not answer in time (stopped, or stuck) makes the scrape answer 503.
    public var scrapeLoopTimeoutMillis = 2_000
    public static let scrapeLoopTimeoutMillisRange = 10...60_000
    /// Addresses `admin.listeners` may name at most.
    public static let listenersMax = 16

    public init() {}

    /// Reads `admin.*` from `reader`; `admin.listeners` absent means `defaultListeners`.
    init(reader: ConfigReader) throws {
        let admin = reader.scoped(to: "admin")
        let named = admin.stringArray(forKey: "listeners") ?? Self.defaultListeners.map(\.description)
        // An empty environment variable (ADMIN_LISTENERS=) reads as one empty word: off.
        listeners = try named.filter { !$0.isEmpty }.map(NaveConfiguration.parseListener)
        scrapeLoopTimeoutMillis = admin.int(forKey: "scrapeLoopTimeoutMillis", default: scrapeLoopTimeoutMillis)
    }

    func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        try rules.require(listeners.count <= Self.listenersMax,
                          "admin.listeners names at most \(Self.listenersMax) addresses (names \(listeners.count))")
        for listener in listeners {
            try rules.require(listener.socketAddress != nil,
                              "admin.listeners: \(listener) is not a numeric IPv4/IPv6 address with a port 0...65535")
        }
        try rules.require(Self.scrapeLoopTimeoutMillisRange.contains(scrapeLoopTimeoutMillis),
                          "admin.scrapeLoopTimeoutMillis must be \(Self.scrapeLoopTimeoutMillisRange) (is \(scrapeLoopTimeoutMillis))")
    }
}
