import Configuration
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

    mutating func read(_ reader: ConfigReader) throws {
        let hub = reader.scoped(to: "hub")
        enabled = hub.bool(forKey: "enabled", default: enabled)
        hostName = hub.string(forKey: "hostName", default: hostName)
        eventHubName = hub.string(forKey: "eventHubName", default: eventHubName)
        routingFile = hub.string(forKey: "routingFile", default: routingFile)
        connectionStateSnapshotSeconds = hub.int(forKey: "connectionStateSnapshotSeconds", default: connectionStateSnapshotSeconds)
        if let listeners = hub.stringArray(forKey: "mqttListeners") {
            mqttListeners = try listeners.map(NaveConfiguration.parseListener)
        }
        if let listeners = hub.stringArray(forKey: "plainMqttListeners") {
            plainMqttListeners = try listeners.map(NaveConfiguration.parseListener)
        }
        if let listeners = hub.stringArray(forKey: "amqpListeners") {
            amqpListeners = try listeners.map(NaveConfiguration.parseListener)
        }
        if let listeners = hub.stringArray(forKey: "plainAmqpListeners") {
            plainAmqpListeners = try listeners.map(NaveConfiguration.parseListener)
        }
        if let listeners = hub.stringArray(forKey: "httpsListeners") {
            httpsListeners = try listeners.map(NaveConfiguration.parseListener)
        }
        certificateChainPath = hub.string(forKey: "tls.certificateChain", default: certificateChainPath)
        privateKeyPath = hub.string(forKey: "tls.privateKey", default: privateKeyPath)
        let https = reader.scoped(to: "https")
        http.requestTimeoutMillis = https.int(forKey: "requestTimeoutMillis", default: http.requestTimeoutMillis)
        http.idleTimeoutMillis = https.int(forKey: "idleTimeoutMillis", default: http.idleTimeoutMillis)
        http.requestBodyBytesMax = https.int(forKey: "requestBodyBytesMax", default: http.requestBodyBytesMax)
        http.headerBytesMax = https.int(forKey: "headerBytesMax", default: http.headerBytesMax)
        let amqpKeys = reader.scoped(to: "amqp")
        amqp.idleTimeoutMillis = amqpKeys.int(forKey: "idleTimeoutMillis", default: amqp.idleTimeoutMillis)
        amqp.frameBytesMax = amqpKeys.int(forKey: "frameBytesMax", default: amqp.frameBytesMax)
        amqp.channelMax = amqpKeys.int(forKey: "channelMax", default: amqp.channelMax)
        amqp.linksPerConnectionMax = amqpKeys.int(forKey: "linksPerConnectionMax", default: amqp.linksPerConnectionMax)
        amqp.messageBytesMax = amqpKeys.int(forKey: "messageBytesMax", default: amqp.messageBytesMax)
        amqp.receiveCredit = amqpKeys.int(forKey: "receiveCredit", default: amqp.receiveCredit)
        amqp.openTimeoutMillis = amqpKeys.int(forKey: "openTimeoutMillis", default: amqp.openTimeoutMillis)
        amqp.eventBatchMax = amqpKeys.int(forKey: "eventBatchMax", default: amqp.eventBatchMax)
        amqp.outboundBytesHighWater = amqpKeys.int(forKey: "outboundBytesHighWater", default: amqp.outboundBytesHighWater)
        console.read(reader)
        let jobKeys = reader.scoped(to: "jobs")
        jobs.deviceOperationsPerSecondMax = jobKeys.int(forKey: "deviceOperationsPerSecondMax", default: jobs.deviceOperationsPerSecondMax)
        jobs.deviceOperationsInFlightMax = jobKeys.int(forKey: "deviceOperationsInFlightMax", default: jobs.deviceOperationsInFlightMax)
        jobs.activeJobsMax = jobKeys.int(forKey: "activeJobsMax", default: jobs.activeJobsMax)
        jobs.jobsMax = jobKeys.int(forKey: "jobsMax", default: jobs.jobsMax)
        jobs.deviceJobRowsMax = jobKeys.int(forKey: "deviceJobRowsMax", default: jobs.deviceJobRowsMax)
        jobs.finishedJobRetentionSeconds = Int64(jobKeys.int(forKey: "finishedJobRetentionSeconds",
                                                             default: Int(jobs.finishedJobRetentionSeconds)))
        jobs.pacingSliceMillis = Int64(jobKeys.int(forKey: "pacingSliceMillis", default: Int(jobs.pacingSliceMillis)))
        let configurationKeys = reader.scoped(to: "configurations")
        configurations.configurationsMax = configurationKeys.int(forKey: "configurationsMax", default: configurations.configurationsMax)
        let importExportKeys = reader.scoped(to: "importExport")
        importExport.lineBytesMax = importExportKeys.int(forKey: "lineBytesMax", default: importExport.lineBytesMax)
        importExport.importLinesMax = importExportKeys.int(forKey: "importLinesMax", default: importExport.importLinesMax)
        importExport.importErrorLinesMax = importExportKeys.int(forKey: "importErrorLinesMax", default: importExport.importErrorLinesMax)
        importExport.importBatchDevicesMax = importExportKeys.int(forKey: "importBatchDevicesMax", default: importExport.importBatchDevicesMax)
        importExport.readChunkBytes = importExportKeys.int(forKey: "readChunkBytes", default: importExport.readChunkBytes)
        importExport.writeChunkBytes = importExportKeys.int(forKey: "writeChunkBytes", default: importExport.writeChunkBytes)
        importExport.jobsKeptMax = importExportKeys.int(forKey: "jobsKeptMax", default: importExport.jobsKeptMax)
        let upload = reader.scoped(to: "fileUpload")
        fileUpload.containerName = upload.string(forKey: "containerName", default: fileUpload.containerName)
        fileUpload.sasTTLSeconds = upload.int(forKey: "sasTtlSeconds", default: fileUpload.sasTTLSeconds)
        fileUpload.notificationsEnabled = upload.bool(forKey: "notifications", default: fileUpload.notificationsEnabled)
        fileUpload.notificationTTLSeconds = upload.int(forKey: "notificationTtlSeconds", default: fileUpload.notificationTTLSeconds)
        fileUpload.notificationLockSeconds = upload.int(forKey: "notificationLockSeconds", default: fileUpload.notificationLockSeconds)
        fileUpload.notificationDeliveryCountMax = upload.int(forKey: "notificationMaxDeliveryCount",
                                                             default: fileUpload.notificationDeliveryCountMax)
        fileUpload.notificationsMax = upload.int(forKey: "notificationsMax", default: fileUpload.notificationsMax)
        fileUpload.quotas.blobBytesMax = Int64(upload.int(forKey: "blobBytesMax", default: Int(fileUpload.quotas.blobBytesMax)))
        fileUpload.quotas.deviceBytesMax = Int64(upload.int(forKey: "deviceBytesMax", default: Int(fileUpload.quotas.deviceBytesMax)))
        fileUpload.quotas.totalBytesMax = Int64(upload.int(forKey: "totalBytesMax", default: Int(fileUpload.quotas.totalBytesMax)))
        let log = reader.scoped(to: "events")
        events.partitionCount = log.int(forKey: "partitionCount", default: events.partitionCount)
        events.segmentBytesMax = log.int(forKey: "segmentBytesMax", default: events.segmentBytesMax)
        events.groupCommitRecordsMax = log.int(forKey: "groupCommitRecordsMax", default: events.groupCommitRecordsMax)
        events.groupCommitDelayMicros = log.int(forKey: "groupCommitDelayMicros", default: events.groupCommitDelayMicros)
        events.pendingAppendBytesMax = log.int(forKey: "pendingAppendBytesMax", default: events.pendingAppendBytesMax)
        events.retentionMillis = Int64(log.int(forKey: "retentionMillis", default: Int(events.retentionMillis)))
        events.retentionBytesMax = Int64(log.int(forKey: "retentionBytesMax", default: Int(events.retentionBytesMax)))
    }

    func validate() throws {
        guard enabled else { return }
        guard !hostName.isEmpty, !hostName.contains("/") else {
            throw ConfigurationInvalid("hub.hostName must be a host name (is \(hostName))")
        }
        guard eventHubName.utf8.count <= 50, eventHubName.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }) else {
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
