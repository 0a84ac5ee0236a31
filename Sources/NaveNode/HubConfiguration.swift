import NaveAMQP
import NaveConsole
import NaveCore
import NaveLimits
import NaveServiceAPI
import NaveStore

/// The hub side of a node: the IoT Hub host name, the device and service listeners, and the
/// TLS certificate they present. Keys under `hub.` and `https.` (Tuning/reference.yaml).
public struct HubConfiguration: Sendable {
    /// Off: the node is a plain MQTT broker (no data directory, no TLS listeners).
    public var enabled = true
    /// The IoT Hub host name devices and back ends use: the `sr` of SAS tokens, the first part
    /// of MQTT usernames, `HostName=` in connection strings. Compared case-insensitively.
    public var hostName = "localhost"
    /// The events endpoint's Event Hub-compatible name (`EntityPath=`). Empty: the first label
    /// of `hostName` (`Hub.defaultEventHubName`).
    public var eventHubName = ""
    /// A fixed routing setup (issue #15): a JSON file in ARM's routing shape
    /// (`{"routes":[…],"endpoints":[…],"enrichments":[…],"fallbackRoute":{"isEnabled":…}}`)
    /// that replaces the stored routing configuration at every start. Empty: none (routing is
    /// what the REST API and CLI stored).
    public var routingFile = ""
    /// The same, given in the configuration file itself as a `routing:` block (issue #15):
    /// read whole with Yams and decoded like `routingFile`. Nil: none.
    public var routing: RoutingConfiguration?
    /// How often connection-state events report the devices whose state changed (IoT Hub's
    /// 60-second snapshot, reference §2.7); 0: an event at every connect and disconnect.
    public var connectionStateSnapshotSeconds = 60
    /// The largest `connectionStateSnapshotSeconds`.
    static let connectionStateSnapshotSecondsMax = 3_600
    /// MQTT over TLS for devices (the device SDK dials 8883, contract §0.1).
    public var mqttListeners = [NaveConfiguration.Listener(host: "127.0.0.1", port: 8883)]
    /// MQTT without TLS for devices, with the same authentication (SAS tokens only: no client
    /// certificate without TLS). Default none: for benchmarks and trusted networks only, since
    /// tokens cross the wire in the clear.
    public var plainMqttListeners: [NaveConfiguration.Listener] = []
    /// AMQP 1.0 over TLS: the Event Hub-compatible endpoint and the service side of C2D (the
    /// service SDK dials 5671, contract §5.1).
    public var amqpListeners = [NaveConfiguration.Listener(host: "127.0.0.1", port: 5671)]
    /// AMQP without TLS (`UseDevelopmentEmulator=true` clients, contract §6.1). Default none:
    /// tokens cross the wire in the clear.
    public var plainAmqpListeners: [NaveConfiguration.Listener] = []
    /// Limits of each AMQP connection (`amqp.*`).
    public var amqp = AMQPConnectionLimits()
    /// The console under `/console` on the HTTPS listeners (`console.*`, issue #17).
    public var console = ConsoleLimits()
    /// HTTPS: the service REST API (and later device HTTP and WebSockets) (the SDKs dial 443).
    public var httpsListeners = [NaveConfiguration.Listener(host: "127.0.0.1", port: 443)]
    /// PEM certificate chain (leaf first) and private key the TLS listeners present. Empty:
    /// `<dataDirectory>/certs/server.pem` and `server.key`, made at first start (development CA).
    public var certificateChainPath = ""
    public var privateKeyPath = ""
    public var http = HTTPConnectionLimits()
    /// The built-in events endpoint's log (`events.*`): partitions (fixed when the hub is
    /// created), segments, group commit, retention.
    public var events = EventLogConfiguration()
    /// Scheduled jobs' bounds (`jobs.*`): the rate and concurrency of each job's device
    /// operations, how many jobs run and are kept.
    public var jobs = JobLimits()
    /// Automatic device configurations' bounds (`configurations.*`).
    public var configurations = ConfigurationLimits()
    /// File upload and the blob store (`fileUpload.*`).
    public var fileUpload = FileUploadSettings()
    /// Import/export jobs' bounds (`importExport.*`): line length and counts of an import,
    /// batch and chunk sizes, jobs kept.
    public var importExport = ImportExportLimits()

    public init() {}

    /// The hub's keys (`hub.*`, `https.*`, `amqp.*`, `jobs.*`, `configurations.*`,
    /// `importExport.*`, `fileUpload.*`, `events.*`), with the ranges Tuning/reference.yaml states.
    mutating func read(_ reader: ConfigurationReader) {
        let hub = reader.scoped(to: "hub")
        enabled = hub.bool(forKey: "enabled", default: enabled)
        hostName = hub.string(forKey: "hostName", default: hostName, expected: "a host name") { !$0.isEmpty && !$0.contains("/") }
        eventHubName = hub.string(forKey: "eventHubName", default: eventHubName,
                                  expected: "at most 50 lower-case letters, digits, '-', '_' or '.'", check: Self.isEventHubName)
        routingFile = hub.string(forKey: "routingFile", default: routingFile)
        mqttListeners = hub.listeners(forKey: "mqttListeners", default: mqttListeners)
        plainMqttListeners = hub.listeners(forKey: "plainMqttListeners", default: plainMqttListeners)
        amqpListeners = hub.listeners(forKey: "amqpListeners", default: amqpListeners)
        plainAmqpListeners = hub.listeners(forKey: "plainAmqpListeners", default: plainAmqpListeners)
        httpsListeners = hub.listeners(forKey: "httpsListeners", default: httpsListeners)
        connectionStateSnapshotSeconds = hub.int(forKey: "connectionStateSnapshotSeconds", default: connectionStateSnapshotSeconds,
                                                 in: 0...Self.connectionStateSnapshotSecondsMax)
        certificateChainPath = hub.string(forKey: "tls.certificateChain", default: certificateChainPath)
        privateKeyPath = hub.string(forKey: "tls.privateKey", default: privateKeyPath)
        let https = reader.scoped(to: "https")
        http.requestTimeoutMillis = https.int(forKey: "requestTimeoutMillis", default: http.requestTimeoutMillis, in: 100...600_000)
        http.idleTimeoutMillis = https.int(forKey: "idleTimeoutMillis", default: http.idleTimeoutMillis, in: 100...3_600_000)
        http.requestBodyBytesMax = https.int(forKey: "requestBodyBytesMax", default: http.requestBodyBytesMax, in: 1024...(64 << 20))
        http.headerBytesMax = https.int(forKey: "headerBytesMax", default: http.headerBytesMax, in: 1024...(1 << 20))
        amqp.read(reader.scoped(to: "amqp"))
        console.read(reader.scoped(to: "console"))
        jobs.read(reader.scoped(to: "jobs"))
        let configurationKeys = reader.scoped(to: "configurations")
        configurations.configurationsMax = configurationKeys.int(forKey: "configurationsMax", default: configurations.configurationsMax, in: 1...1000)
        importExport.read(reader.scoped(to: "importExport"))
        fileUpload.read(reader.scoped(to: "fileUpload"))
        events.read(reader.scoped(to: "events"))
    }

    /// Event Hubs' entity names as Nave accepts them (the `EntityPath=` of connection strings).
    static func isEventHubName(_ name: String) -> Bool {
        name.utf8.count <= 50 && name.utf8.allSatisfy {
            $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0)
        }
    }

    func validate() throws {
        guard enabled else { return }
        guard !hostName.isEmpty, !hostName.contains("/") else {
            throw ConfigurationInvalid("hub.hostName must be a host name (is \(hostName))")
        }
        guard Self.isEventHubName(eventHubName) else {
            throw ConfigurationInvalid("hub.eventHubName must be at most 50 lower-case letters, digits, '-', '_' or '.' (is \(eventHubName))")
        }
        guard (0...Self.connectionStateSnapshotSecondsMax).contains(connectionStateSnapshotSeconds) else {
            throw ConfigurationInvalid("hub.connectionStateSnapshotSeconds must be 0…\(Self.connectionStateSnapshotSecondsMax) (is \(connectionStateSnapshotSeconds))")
        }
        try http.validate()
        try amqp.validate()
        try console.validate()
        if let reason = jobs.invalidReason { throw ConfigurationInvalid(reason) }
        if let reason = configurations.invalidReason { throw ConfigurationInvalid(reason) }
        if let reason = importExport.invalidReason { throw ConfigurationInvalid(reason) }
        try fileUpload.validate()
        do {
            try events.validate()
        } catch {
            throw ConfigurationInvalid("events: \(error)")
        }
        guard (certificateChainPath.isEmpty) == (privateKeyPath.isEmpty) else {
            throw ConfigurationInvalid("hub.tls.certificateChain and hub.tls.privateKey are given together or not at all")
        }
        for listener in mqttListeners + plainMqttListeners + amqpListeners + plainAmqpListeners + httpsListeners where listener.socketAddress == nil {
            throw ConfigurationInvalid("listener \(listener) is not a numeric IPv4/IPv6 address with a port 0...65535")
        }
    }
}
