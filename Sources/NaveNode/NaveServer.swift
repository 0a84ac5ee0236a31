import Logging
import NaveCore
import NaveBroker
import NaveIO
import NaveLimits
import NaveServiceAPI
import NaveStore
import Synchronization

/// The running node: event loops, the MQTT broker and its listeners, and — with a hub — the
/// device listeners (MQTT over TLS), the HTTPS listeners (REST service API, MQTT over
/// WebSockets) and the hub's store. Start with `init`, stop with `shutdown()`; tests run one
/// in-process on port 0.
public final class NaveServer: Sendable {
    public let configuration: NaveConfiguration
    public let group: EventLoopGroup
    public let broker: Broker
    public let resources: HubResources?
    /// The hub façade, when the node runs one: what an embedder calls.
    public let hub: Hub?
    let sockets: [ListeningSocket]
    /// The console's metrics sampling (issue #17), cancelled at shutdown.
    private let consoleSampling: Task<Void, Never>?
    /// The bound HTTPS addresses (port 0 resolved).
    public let httpsAddresses: [SocketAddress]
    /// The bound AMQP addresses: the TLS ones, then `hub.plainAmqpListeners`.
    public let amqpAddresses: [SocketAddress]
    /// The bound device MQTT addresses: the TLS ones, then `hub.plainMqttListeners`.
    public let deviceMQTTAddresses: [SocketAddress]
    /// The general broker's bound MQTT/TLS addresses (`mqtt.tlsListeners`).
    public let brokerTLSAddresses: [SocketAddress]
    /// The general broker's password file, ACL and anonymous rule, when any is configured or
    /// a TLS listener exists: what `reloadSecurityFiles` replaces.
    public let brokerAccess: BrokerAccessControl?
    /// The TLS identity of `mqtt.tlsListeners`, when there are any: what `reloadTLSIdentities`
    /// rebuilds beside the hub's.
    let brokerTLS: TLSContext?
    /// Set by `stopDrainingNow()` (a second SIGTERM): a drain in progress stops waiting.
    let drainCutShort = Atomic<Bool>(false)
    /// Starting, ready, draining or stopped: what the health endpoints and `sd_notify` report.
    public let health = NodeHealth()
    /// The node's metrics through swift-metrics (`/metrics` on the admin listener).
    public let metrics: NodeMetrics
    /// The bound admin addresses (`admin.listeners`, port 0 resolved): health and metrics.
    public let adminAddresses: [SocketAddress]
    let admin: AdminListener?
    let collector: NodeMetricsCollector
    let logger: Logger

    /// Validates the configuration, starts the loops and listens. Throws on any invalid limit or
    /// a listener that cannot bind. `hub` (opened with `HubResources.open`) adds the hub's
    /// listeners; the node closes it at shutdown. `metrics` (default: a swift-prometheus
    /// registry of the node's own) receives the node's counters at every scrape.
    public init(configuration: NaveConfiguration, hub resources: HubResources? = nil, logger: Logger = Logger(label: "nave"),
                metrics: NodeMetrics = NodeMetrics()) throws {
        try configuration.validate()
        self.configuration = configuration
        self.resources = resources
        self.logger = logger
        self.metrics = metrics
        let group = try EventLoopGroup(configuration: configuration.engine, logger: logger)
        self.group = group
        do {
            let broker = try Broker(group: group, configuration: configuration.broker,
                                    engineOutboundBytesMax: configuration.engine.outboundBytesMax, logger: logger)
            self.broker = broker
            let security = configuration.security
            let access = security.restrictsPlainListeners || !security.tlsListeners.isEmpty
                ? BrokerAccessControl(try BrokerSecurityFiles.load(security)) : nil
            brokerAccess = access
            let plainGate = security.restrictsPlainListeners ? access.map {
                ListenerGate(authenticator: BrokerClientAuthenticator(control: $0), access: $0)
            } : nil
            var sockets = try configuration.listeners.map { listener in
                if let plainGate {
                    return try group.listen(on: listener.socketAddress!) { broker.makeHandler(for: $0, gate: plainGate) }
                }
                return try group.listen(on: listener.socketAddress!) { broker.makeHandler(for: $0) }
            }
            var https: [ListeningSocket] = []
            var devices: [ListeningSocket] = []
            var amqp: [ListeningSocket] = []
            var hub: Hub?
            var sampling: Task<Void, Never>?
            if let resources {
                let scheduler = LoopScheduler(loop: group.loops[0])
                let built = resources.makeHub(scheduler: scheduler, placement: LoopShardPlacement(loops: group.loops))
                hub = built
                // Jobs loaded from the store start their timers and runners; nothing here can
                // fail (a job that cannot start records why in its own status).
                Task { await built.jobs.resume() }
                // Import/export jobs a stop interrupted are marked failed (`ImportExportJobs`).
                Task { await built.importExport?.resume() }
                resources.connectionEvents.startSnapshots(scheduler: scheduler)
                // Webhook endpoints are fed from their logs by calls on the first loop.
                Task { [logger] in await resources.startRoutingDeliveries(loop: group.loops[0], broker: broker, scheduler: scheduler, logger: logger) }
                let listeners = HubListeners(resources: resources, hub: built, broker: broker, logger: logger)
                sampling = listeners.console.map { console in
                    Task { await HubListeners.sampleMetrics(of: console, resources: resources, hub: built, broker: broker, scheduler: scheduler) }
                }
                devices = try resources.configuration.mqttListeners.map { try listeners.listenForDevices(on: $0.socketAddress!, group: group) }
                devices += try resources.configuration.plainMqttListeners.map {
                    try listeners.listenForDevices(on: $0.socketAddress!, group: group, tls: false)
                }
                https = try resources.configuration.httpsListeners.map { try listeners.listenForHTTPS(on: $0.socketAddress!, group: group) }
                amqp = try resources.configuration.amqpListeners.map { try listeners.listenForAMQP(on: $0.socketAddress!, group: group) }
                amqp += try resources.configuration.plainAmqpListeners.map {
                    try listeners.listenForAMQP(on: $0.socketAddress!, group: group, tls: false)
                }
                sockets += devices + https + amqp
                if let rest = https.first {
                    try resources.dataDirectory.advertise(NodeAdvertisement(restAddress: "\(rest.address)", hostName: built.hostName,
                                                                            eventHubName: built.eventHubName))
                }
            }
            var brokerTLS: [ListeningSocket] = []
            var brokerTLSContext: TLSContext?
            if let access, !security.tlsListeners.isEmpty {
                let tls = try Self.brokerTLSContext(security, hub: resources)
                brokerTLSContext = tls
                let gate = ListenerGate(authenticator: BrokerClientAuthenticator(control: access, useIdentityAsUsername: security.useIdentityAsUsername),
                                        access: access)
                brokerTLS = try security.tlsListeners.map { listener in
                    try group.listen(on: listener.socketAddress!, tls: tls) { broker.makeHandler(for: $0, gate: gate) }
                }
                sockets += brokerTLS
            }
            brokerTLSAddresses = brokerTLS.map(\.address)
            self.brokerTLS = brokerTLSContext
            self.hub = hub
            self.sockets = sockets
            consoleSampling = sampling
            httpsAddresses = https.map(\.address)
            deviceMQTTAddresses = devices.map(\.address)
            amqpAddresses = amqp.map(\.address)
            let mqtt = sockets.filter { socket in !(https + amqp).contains { $0.address == socket.address } }
            collector = NodeMetricsCollector(
                loops: group.loops, broker: broker, resources: resources, hub: hub,
                listeners: Self.metricListeners(["mqtt": mqtt, "https": https, "amqp": amqp]),
                timeout: .milliseconds(configuration.admin.scrapeLoopTimeoutMillis))
            admin = try Self.openAdmin(configuration, health: health, collector: collector, metrics: metrics, logger: logger)
            adminAddresses = admin?.sockets.map(\.address) ?? []
        } catch {
            group.shutdownGracefully(gracePeriod: .zero)
            throw error
        }
        health.markReady()
        logger.info("node started", metadata: [
            "version": "\(NaveVersion.number)", "revision": "\(NaveVersion.revision)",
            "backend": "\(group.backendKind.rawValue)",
            "mqttListeners": "\(configuration.listeners)",
            "deviceListeners": "\(deviceMQTTAddresses)",
            "brokerTLSListeners": "\(brokerTLSAddresses)",
            "passwordFile": "\(configuration.security.passwordFile.isEmpty ? "none" : configuration.security.passwordFile)",
            "aclFile": "\(configuration.security.aclFile.isEmpty ? "none" : configuration.security.aclFile)",
            "allowAnonymous": "\(configuration.security.admitsAnonymous)",
            "httpsListeners": "\(httpsAddresses)",
            "amqpListeners": "\(amqpAddresses)",
            "adminListeners": "\(adminAddresses)",
            "loops": "\(configuration.engine.loopCount)",
            "routerShards": "\(configuration.broker.routerShardCount ?? configuration.engine.loopCount)",
        ])
    }

    /// Reads the general broker's password and ACL files again (SIGHUP): each file that parses
    /// replaces the one in force — new CONNECTs and every later ACL check, of connected clients
    /// too, use it — and one that does not is logged and ignored. Connections stay up.
    public func reloadSecurityFiles() {
        guard let brokerAccess else {
            logger.notice("reload: no password or ACL file configured")
            return
        }
        BrokerSecurityFiles.reload(configuration.security, into: brokerAccess, logger: logger)
    }

    /// The TLS identity of `mqtt.tlsListeners`: their own files, or the hub's.
    private static func brokerTLSContext(_ security: BrokerSecurityConfiguration, hub: HubResources?) throws -> TLSContext {
        let chain = security.tlsCertificateChainPath.isEmpty ? hub?.certificates.chainPath : security.tlsCertificateChainPath
        let key = security.tlsPrivateKeyPath.isEmpty ? hub?.certificates.keyPath : security.tlsPrivateKeyPath
        guard let chain, let key else {
            throw ConfigurationInvalid("mqtt.tlsListeners need mqtt.tls.certificateChain and mqtt.tls.privateKey")
        }
        return try TLSContext(serverCertificateChainPath: chain, privateKeyPath: key,
                              clientCAPath: security.tlsClientCAPath.isEmpty ? nil : security.tlsClientCAPath,
                              requireClientCertificate: security.requireCertificate)
    }

    /// The monotonic clock of every loop, and so of every keep-alive, timeout and engine timer
    /// (`configuration.engine.clock`): a test that put a `ManualLoopClock` there advances it.
    /// The hub's wall clock is `resources.clock`.
    public var loopClock: any LoopClock { configuration.engine.clock }

    /// The bound plain MQTT addresses (port 0 resolved) first, then the hub's.
    public var listeningAddresses: [SocketAddress] { sockets.map(\.address) }

    /// Stops listening, gives connections `gracePeriod` to flush and closes them, flushes the hub
    /// while its shard actors' loops still run (C2D changes and device sessions reach the store),
    /// stops the loops, then closes the hub (the event log drains its queued appends, the store
    /// and the data directory's lock are released) and returns once all that is done.
    public func shutdown(gracePeriod: Duration = .seconds(2)) async {
        health.beginDraining()
        consoleSampling?.cancel()
        for socket in sockets { socket.close() }
        group.closeConnections(gracePeriod: gracePeriod)
        await Self.closeHub(hub, resources, stoppingLoopsOf: group, collector: collector)
        health.markStopped()
        admin?.close()
        logger.info("node stopped", metadata: stoppedMetadata)
    }

    /// The same from synchronous code: the hub is closed in the background (never by blocking
    /// this thread: waiting for async work on a cooperative thread can starve the pool). Use
    /// the async `shutdown` to reopen the same data directory at once.
    public func shutdown(gracePeriod: Duration = .seconds(2)) {
        health.beginDraining()
        consoleSampling?.cancel()
        for socket in sockets { socket.close() }
        guard let resources else {
            group.closeConnections(gracePeriod: gracePeriod)
            collector.loopsStopping()
            group.shutdownGracefully(gracePeriod: .zero)
            health.markStopped()
            admin?.close()
            logger.info("node stopped", metadata: stoppedMetadata)
            return
        }
        group.closeConnections(gracePeriod: gracePeriod)
        let (hub, group, collector, admin) = (hub, group, collector, admin)
        Task { [health] in
            await Self.closeHub(hub, resources, stoppingLoopsOf: group, collector: collector)
            health.markStopped()
            admin?.close()
        }
        logger.info("node stopped", metadata: stoppedMetadata)
    }

    /// Once the connections are closed: the hub's last changes reach the store while its shard
    /// actors' loops still run, then the loops stop and the stores close.
    private static func closeHub(_ hub: Hub?, _ resources: HubResources?, stoppingLoopsOf group: EventLoopGroup,
                                 collector: NodeMetricsCollector) async {
        // Jobs stop first: their in-flight twin patches land (or their devices stay pending for
        // the next start) while the shard actors' loops still run.
        resources?.connectionEvents.stopSnapshots()
        await hub?.jobs.stop()
        await hub?.importExport?.stop()
        await hub?.flush()
        collector.loopsStopping()
        group.shutdownGracefully(gracePeriod: .zero)
        await resources?.close()
    }

    /// The broker's counters and the event log's group commits so far (records per fdatasync),
    /// which benchmarks read from this line.
    private var stoppedMetadata: Logger.Metadata {
        ["statistics": "\(broker.statistics)", "eventLog": "\(resources.map { "\($0.events.statistics)" } ?? "none")"]
    }
}
