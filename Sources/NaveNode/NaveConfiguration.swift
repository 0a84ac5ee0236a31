import Foundation
import Logging
import NaveBroker
import NaveIO
import NaveLimits
import NaveMQTTBinding

/// Everything `nave serve` is configured with. Read from a YAML file and `NAVE_*` environment
/// variables (which win) by `ConfigurationReader`, which refuses unknown keys, values that do
/// not parse and values out of range (issue #16); every key, its default, unit and range is
/// listed in `Tuning/reference.yaml`. Environment names are `NAVE_` and the key upper-cased with
/// `_` at dots and word boundaries: `mqtt.maximumPacketBytes` → `NAVE_MQTT_MAXIMUM_PACKET_BYTES`.
public struct NaveConfiguration: Sendable {
    /// A TCP address MQTT is served on.
    public struct Listener: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }
        public var socketAddress: SocketAddress? { SocketAddress(host: host, port: port) }
    }

    /// The engine's limits, and its monotonic clock (`engine.clock`): a test sets a
    /// `ManualLoopClock` there to run the whole node on time it moves by hand.
    public var engine = EventLoopConfiguration()
    public var broker = BrokerConfiguration()
    public var hub = HubConfiguration()
    /// Plain MQTT listeners of the general broker. Default: 127.0.0.1:1883, loopback only,
    /// open to anyone unless `security` names a password file, an ACL or no anonymous clients;
    /// devices that authenticate use `hub.mqttListeners` (TLS).
    public var listeners = [Listener(host: "127.0.0.1", port: 1883)]
    /// The general broker's password file, ACL file, anonymous clients and TLS listeners.
    public var security = BrokerSecurityConfiguration()
    /// The admin listener: health and metrics (`admin.*`).
    public var admin = AdminConfiguration()
    /// The log's level and format (`log.*`).
    public var log = LogConfiguration()
    public var logLevel: Logger.Level {
        get { log.level }
        set { log.level = newValue }
    }
    /// The drain's grace period at SIGTERM (`lifecycle.*`).
    public var lifecycle = LifecycleConfiguration()
    /// The embedded store: the registry database, certificates, event segments. `nil` when
    /// nobody named one (no `--data-dir`, no `dataDirectory` in the file or the environment):
    /// the node then uses `defaultDataDirectory` only if it exists, and creates a named one
    /// when missing (issue #11: a node started in the wrong folder must not grow a hub there).
    public var dataDirectory: String?
    /// Where a node looks when `dataDirectory` is nil, relative to its working directory.
    public static let defaultDataDirectory = "./nave-data"

    public init() {}

    /// Reads every key from `reader`, defaulting what is absent; mistakes are recorded in the
    /// reader (`reader.problems`), not thrown, so one pass finds them all. Each section reads
    /// its own keys next to its fields, and that reading is the registry of known keys
    /// (`ConfigurationReader`): a new section adds one call here.
    public mutating func read(_ reader: ConfigurationReader) {
        engine.read(reader.scoped(to: "io"))
        let router = reader.scoped(to: "router")
        broker.routerShardCount = router.int(forKey: "shards", in: 1...256)
        broker.deliveryMailboxCapacity = router.int(forKey: "deliveryMailboxCapacity", default: broker.deliveryMailboxCapacity, in: 16...(1 << 22))
        let mqtt = reader.scoped(to: "mqtt")
        listeners = mqtt.listeners(forKey: "listeners", default: listeners)
        broker.read(mqtt)
        security.read(mqtt)
        log.read(reader.scoped(to: "log"))
        dataDirectory = reader.string(forKey: "dataDirectory")
        hub.read(reader)
        admin.read(reader.scoped(to: "admin"))
        lifecycle.read(reader.scoped(to: "lifecycle"))
    }

    /// The configuration from the YAML file at `configFile` (if any) and the `NAVE_*`
    /// variables of `environment` (the process's when nil; they win over the file), checked
    /// key by key and then as a whole. Throws `ConfigurationRefused` listing every mistake.
    public static func load(configFile: String?, environment: [String: String]? = nil) async throws(ConfigurationRefused) -> NaveConfiguration {
        try resolve(configFile: configFile, environment: environment).configuration
    }

    /// `load`, also returning the reader (effective values and their origins, for `--print-config`).
    public static func resolve(configFile: String?, environment: [String: String]? = nil)
        throws(ConfigurationRefused) -> (configuration: NaveConfiguration, reader: ConfigurationReader) {
        try resolve(ConfigurationSource(configFile: configFile, environment: environment ?? ProcessInfo.processInfo.environment))
    }

    /// Reads and checks everything `source` holds: nothing is opened or bound before this passed.
    public static func resolve(_ source: ConfigurationSource)
        throws(ConfigurationRefused) -> (configuration: NaveConfiguration, reader: ConfigurationReader) {
        let reader = ConfigurationReader(source: source)
        var configuration = NaveConfiguration()
        configuration.read(reader)
        configuration.hub.readRoutingBlock(source, reader: reader)
        reader.finish()
        guard reader.problems.isEmpty else { throw ConfigurationRefused(reader.problems) }
        do {
            try configuration.validate()
        } catch let invalid as ConfigurationInvalid {
            throw ConfigurationRefused(invalid)
        } catch {
            throw ConfigurationRefused(ConfigurationInvalid("\(error)"))
        }
        return (configuration, reader)
    }

    /// Parses "host:port" ("[::1]:1883" for IPv6).
    static func parseListener(_ text: String) throws -> Listener {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw ConfigurationInvalid("listener \(text) is not host:port")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return Listener(host: host, port: port)
    }

    /// Checks every limit and their relations (engine, broker, listeners) at start.
    public func validate() throws {
        try engine.validate()
        try broker.validate(loopCount: engine.loopCount, engineOutboundBytesMax: engine.outboundBytesMax)
        guard !listeners.isEmpty else { throw ConfigurationInvalid("mqtt.listeners must name at least one address") }
        for listener in listeners where listener.socketAddress == nil {
            throw ConfigurationInvalid("listener \(listener) is not a numeric IPv4/IPv6 address with a port 0...65535")
        }
        try hub.validate()
        try security.validate(hubEnabled: hub.enabled)
        try admin.validate()
        try lifecycle.validate()
    }
}
