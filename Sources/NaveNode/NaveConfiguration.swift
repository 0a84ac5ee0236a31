import Configuration
import Logging
import NaveBroker
import NaveIO
import NaveLimits
import NaveMQTTBinding
import SystemPackage

/// Everything `nave serve` is configured with. Read from a YAML file and environment variables
/// (which win) through swift-configuration; every key, its default, unit and range is listed in
/// `Tuning/reference.yaml`. Environment names are the keys upper-cased with `_` at dots and word
/// boundaries: `mqtt.maximumPacketBytes` → `MQTT_MAXIMUM_PACKET_BYTES`.
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
    public var logLevel: Logger.Level = .info
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

    /// Reads every key from `reader`, defaulting what is absent.
    public init(reader: ConfigReader) throws {
        var c = NaveConfiguration()
        let io = reader.scoped(to: "io")
        c.engine.loopCount = io.int(forKey: "loops", default: c.engine.loopCount)
        if let backend = io.string(forKey: "backend") {
            guard let choice = EventLoopConfiguration.BackendChoice(rawValue: backend) else {
                throw ConfigurationInvalid("io.backend must be automatic, io_uring or epoll (is \(backend))")
            }
            c.engine.backend = choice
        }
        c.engine.pinThreadsToCPUs = io.bool(forKey: "pinThreadsToCPUs", default: c.engine.pinThreadsToCPUs)
        c.engine.submissionQueueEntries = io.int(forKey: "submissionQueueEntries", default: c.engine.submissionQueueEntries)
        c.engine.receiveBufferCount = io.int(forKey: "receiveBufferCount", default: c.engine.receiveBufferCount)
        c.engine.batchWaitMicros = io.int(forKey: "batchWaitMicros", default: c.engine.batchWaitMicros)
        c.engine.batchWaitCompletions = io.int(forKey: "batchWaitCompletions", default: c.engine.batchWaitCompletions)
        c.engine.receiveBufferBytes = io.int(forKey: "receiveBufferBytes", default: c.engine.receiveBufferBytes)
        c.engine.sendChunkBytes = io.int(forKey: "sendChunkBytes", default: c.engine.sendChunkBytes)
        c.engine.outboundHighWaterBytes = io.int(forKey: "outboundHighWaterBytes", default: c.engine.outboundHighWaterBytes)
        c.engine.outboundLowWaterBytes = io.int(forKey: "outboundLowWaterBytes", default: c.engine.outboundLowWaterBytes)
        c.engine.outboundBytesMax = io.int(forKey: "outboundBytesMax", default: c.engine.outboundBytesMax)
        c.engine.closeFlushTimeoutMillis = io.int(forKey: "closeFlushTimeoutMillis", default: c.engine.closeFlushTimeoutMillis)
        c.engine.listenBacklog = Int32(io.int(forKey: "listenBacklog", default: Int(c.engine.listenBacklog)))
        c.engine.inboxCapacity = io.int(forKey: "inboxCapacity", default: c.engine.inboxCapacity)

        let router = reader.scoped(to: "router")
        c.broker.routerShardCount = router.int(forKey: "shards")
        c.broker.deliveryMailboxCapacity = router.int(forKey: "deliveryMailboxCapacity", default: c.broker.deliveryMailboxCapacity)

        let mqtt = reader.scoped(to: "mqtt")
        if let listeners = mqtt.stringArray(forKey: "listeners") {
            c.listeners = try listeners.map(Self.parseListener)
        }
        var b = c.broker.binding
        b.maximumPacketBytes = mqtt.int(forKey: "maximumPacketBytes", default: b.maximumPacketBytes)
        b.inflightWindowMessages = mqtt.int(forKey: "inflightWindowMessages", default: b.inflightWindowMessages)
        b.sessionQueuedMessagesMax = mqtt.int(forKey: "sessionQueuedMessagesMax", default: b.sessionQueuedMessagesMax)
        b.subscriptionsPerClientMax = mqtt.int(forKey: "subscriptionsPerClientMax", default: b.subscriptionsPerClientMax)
        b.inboundUnreleasedQoS2Max = mqtt.int(forKey: "inboundUnreleasedQoS2Max", default: b.inboundUnreleasedQoS2Max)
        b.topicLevelsMax = mqtt.int(forKey: "topicLevelsMax", default: b.topicLevelsMax)
        c.broker.binding = b
        c.broker.subscriberOutboundBytesMax = mqtt.int(forKey: "subscriberOutboundBytesMax", default: c.broker.subscriberOutboundBytesMax)
        c.broker.loopOutboundBytesMax = mqtt.int(forKey: "loopOutboundBytesMax", default: c.broker.loopOutboundBytesMax)
        c.broker.connectTimeoutMillis = mqtt.int(forKey: "connectTimeoutMillis", default: c.broker.connectTimeoutMillis)
        c.broker.slowConsumerTimeoutMillis = mqtt.int(forKey: "slowConsumerTimeoutMillis", default: c.broker.slowConsumerTimeoutMillis)
        c.broker.housekeepingIntervalMillis = mqtt.int(forKey: "housekeepingIntervalMillis", default: c.broker.housekeepingIntervalMillis)
        c.broker.heldRetryIntervalMillis = mqtt.int(forKey: "heldRetryIntervalMillis", default: c.broker.heldRetryIntervalMillis)
        c.broker.deviceOperationsInFlightMax = mqtt.int(forKey: "deviceOperationsInFlightMax", default: c.broker.deviceOperationsInFlightMax)
        c.broker.overloadBackOffMillis = mqtt.int(forKey: "overloadBackOffMillis", default: c.broker.overloadBackOffMillis)
        c.broker.retainedMessagesMax = mqtt.int(forKey: "retainedMessagesMax", default: c.broker.retainedMessagesMax)
        c.broker.sessionsMax = mqtt.int(forKey: "sessionsMax", default: c.broker.sessionsMax)
        try c.security.read(mqtt)

        if let level = reader.string(forKey: "log.level") {
            guard let parsed = Logger.Level(rawValue: level) else {
                throw ConfigurationInvalid("log.level must be one of trace, debug, info, notice, warning, error, critical (is \(level))")
            }
            c.logLevel = parsed
        }
        c.dataDirectory = reader.string(forKey: "dataDirectory") ?? c.dataDirectory
        try c.hub.read(reader)
        c.admin = try AdminConfiguration(reader: reader)
        c.lifecycle.read(reader)
        self = c
    }

    /// Reads environment variables over the YAML file at `configFile` (if any) over defaults.
    public static func load(configFile: String?, environment: [String: String]? = nil) async throws -> NaveConfiguration {
        var providers: [any ConfigProvider] = [
            environment.map { EnvironmentVariablesProvider(environmentVariables: $0) } ?? EnvironmentVariablesProvider()
        ]
        if let configFile {
            providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(configFile)))
        }
        return try NaveConfiguration(reader: ConfigReader(providers: providers))
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
