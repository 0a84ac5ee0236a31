import Logging
import NaveAuth
import NaveCore
import NaveIO
import NaveModel
import NaveStore

/// What the hub keeps on one node: the data directory (locked for this process), the SQLite
/// store, the identity registry loaded from it, the telemetry sink, and the TLS identity the
/// device and service listeners present. Opened before the listeners, closed after them; the
/// node builds the `Hub` façade over it once its event loops run.
public final class HubResources: Sendable {
    public let configuration: HubConfiguration
    public let dataDirectory: DataDirectory
    public let database: SQLiteDatabase
    public let registry: IdentityRegistry
    public let clock: any HubClock
    public let random: any HubRandom
    public let certificates: CertificateFiles
    public let tls: TLSContext
    /// Where device telemetry and the hub's other events go: message routing, which hands
    /// each to the built-in events endpoint and the custom endpoints its routes name.
    public let telemetry: any TelemetrySink
    /// Message routing's configuration and sink, loaded at open.
    public let routing: MessageRouting
    /// The custom endpoints' logs and the external ones' deliveries (closed with the hub).
    let endpointLogs: EventLogEndpointSinks
    /// The built-in events endpoint (what `telemetry` appends to).
    public let events: EventLog
    public let sessions: DeviceSessions
    /// The events endpoint's consumer groups, loaded at open; the groups' checkpoints are in
    /// `checkpoints`, which a group's deletion clears.
    public let consumerGroups: ConsumerGroups
    let checkpoints: SQLiteCheckpointStore
    /// The C2D queues' store and what it held at open; the node starts the queues over them
    /// once its loops (their scheduler) run.
    let cloudToDeviceStore: SQLiteCloudToDeviceStore
    let cloudToDeviceSnapshot: CloudToDeviceSnapshot
    /// The scheduled jobs' store and what it held at open; the node resumes them once its
    /// loops (their scheduler) run.
    let jobStore: SQLiteJobStore
    let jobSnapshot: [StoredJob]
    /// Automatic device configurations' store and what it held at open.
    let configurationStore: SQLiteConfigurationStore
    let configurationSnapshot: [DeviceConfiguration]
    /// Import/export jobs' store and what it held at open (`hub.importExport?.resume()` marks
    /// the ones a stop interrupted as failed).
    let importExportStore: SQLiteImportExportJobStore
    let importExportSnapshot: [ImportExportJob]
    /// Where lifecycle, connection-state and twin change events the events endpoint refused go.
    let unrecorded: UnrecordedEventHandler
    /// The blob store under `<data>/blobs` and its SAS signer (key in `<data>/blobs.key`).
    public let blobs: BlobService
    /// File notifications loaded at open, and their store.
    let fileNotificationStore: SQLiteFileNotificationStore
    let fileNotifications: [FileNotification]
    /// Connection-state events: snapshots start once the node's loops run (`NaveServer`).
    public let connectionEvents: HubEvents

    /// Opens the data directory and its store, loads the registry, and makes a development CA
    /// and server certificate when none is configured or present. A named data directory is
    /// created when new; the default only used when it exists (`DataDirectoryError.missing`).
    /// `clock` and `random` are the hub's (registry times, enqueued times, keys, lock tokens):
    /// the system's in a node, manual and seeded ones in tests.
    public static func open(_ configuration: NaveConfiguration, logger: Logger, clock: any HubClock = SystemClock(),
                            random: any HubRandom = SystemRandom()) async throws -> HubResources {
        let directory = if let named = configuration.dataDirectory {
            try DataDirectory(path: named, creation: .createIfMissing)
        } else {
            try DataDirectory(path: NaveConfiguration.defaultDataDirectory, creation: .requireExisting)
        }
        do {
            let certificates = try CertificateFiles.resolve(configuration.hub, in: directory, logger: logger)
            let tls = try TLSContext(serverCertificateChainPath: certificates.chainPath, privateKeyPath: certificates.keyPath)
            let database = try await SQLiteDatabase(path: directory.database)
            let registry = try await IdentityRegistry(store: SQLiteIdentityStore(database: database), clock: clock, random: random)
            let sessions = try await DeviceSessions(store: SQLiteDeviceSessionStore(database: database))
            let checkpoints = SQLiteCheckpointStore(database: database)
            let consumerGroups = try await ConsumerGroups.open(store: SQLiteConsumerGroupStore(database: database),
                                                               checkpoints: checkpoints, clock: clock)
            let events = try EventLog(directory: directory.path, configuration: configuration.hub.events, clock: { clock.now() })
            let cloudToDeviceStore = SQLiteCloudToDeviceStore(database: database)
            let cloudToDeviceSnapshot = try await cloudToDeviceStore.loadCloudToDevice()
            let jobStore = SQLiteJobStore(database: database)
            let jobSnapshot = try await jobStore.loadJobs()
            let configurationStore = SQLiteConfigurationStore(database: database)
            let configurationSnapshot = try await configurationStore.loadConfigurations()
            let importExportStore = SQLiteImportExportJobStore(database: database)
            let importExportSnapshot = try await importExportStore.loadImportExportJobs()
            // Lifecycle and connection-state events go to the events endpoint beside telemetry.
            let blobs = BlobService(store: try FileBlobStore(directory: directory.path, clock: clock, random: random),
                                    signer: BlobSASSigner(key: try DataDirectory.blobKey(in: directory.path, random: random)),
                                    quotas: configuration.hub.fileUpload.quotas,
                                    uploadContainer: configuration.hub.fileUpload.containerName, clock: clock)
            let fileNotificationStore = SQLiteFileNotificationStore(database: database)
            let fileNotifications = try await fileNotificationStore.loadFileNotifications()
            let unrecorded = Self.logUnrecordedEvent(logger)
            let endpointLogs = EventLogEndpointSinks(dataDirectory: directory.path, configuration: configuration.hub.events, clock: clock)
            let routingSink = RoutingTelemetrySink(builtIn: EventLogTelemetrySink(log: events),
                                                   hubName: Hub.defaultEventHubName(hostName: configuration.hub.hostName), clock: clock,
                                                   problems: Self.logRoutingProblem(logger))
            let routing = try await MessageRouting.open(store: SQLiteRoutingStore(database: database), sink: routingSink,
                                                        endpointSinks: endpointLogs, clock: clock)
            if !configuration.hub.routingFile.isEmpty {
                // A fixed setup replaces what was stored, checked like any change.
                try await routing.replace(with: RoutingFile.load(configuration.hub.routingFile))
            }
            let connectionEvents = HubEvents(registry: registry, sink: routingSink, clock: clock,
                                             snapshotMillis: Int64(configuration.hub.connectionStateSnapshotSeconds) * 1_000,
                                             unrecorded: unrecorded)
            logger.info("hub opened", metadata: [
                "dataDirectory": "\(directory.path)", "hostName": "\(configuration.hub.hostName)",
                "devices": "\(registry.statistics.totalDeviceCount)", "certificate": "\(certificates.chainPath)",
            ])
            return HubResources(configuration: configuration.hub, dataDirectory: directory, database: database,
                                registry: registry, clock: clock, random: random, certificates: certificates, tls: tls,
                                telemetry: routingSink, routing: routing, endpointLogs: endpointLogs, events: events, sessions: sessions,
                                consumerGroups: consumerGroups, checkpoints: checkpoints,
                                cloudToDeviceStore: cloudToDeviceStore, cloudToDeviceSnapshot: cloudToDeviceSnapshot,
                                jobStore: jobStore, jobSnapshot: jobSnapshot, configurationStore: configurationStore,
                                configurationSnapshot: configurationSnapshot, importExportStore: importExportStore,
                                importExportSnapshot: importExportSnapshot, unrecorded: unrecorded, blobs: blobs,
                                fileNotificationStore: fileNotificationStore, fileNotifications: fileNotifications,
                                connectionEvents: connectionEvents)
        } catch {
            directory.close()
            throw error
        }
    }

    /// Routing's errors (reference §2.2, §2.5), at most once a minute per route or endpoint.
    private static func logRoutingProblem(_ logger: Logger) -> RoutingProblemLog.Report {
        { problem, occurrences in
            switch problem {
            case .conditionUndefined(let route):
                logger.warning("routing: a condition was neither true nor false (undefined or null); the route did not match",
                               metadata: ["route": "\(route)", "occurrences": "\(occurrences)"])
            case .enrichedTooLarge(let endpoint, let bytes):
                logger.warning("routing: a message with its enrichments is over 256 KB; dropped for this endpoint",
                               metadata: ["endpoint": "\(endpoint)", "bytes": "\(bytes)", "occurrences": "\(occurrences)"])
            }
        }
    }

    private init(configuration: HubConfiguration, dataDirectory: DataDirectory, database: SQLiteDatabase,
                 registry: IdentityRegistry, clock: any HubClock, random: any HubRandom,
                 certificates: CertificateFiles,
                 tls: TLSContext, telemetry: any TelemetrySink, routing: MessageRouting, endpointLogs: EventLogEndpointSinks,
                 events: EventLog, sessions: DeviceSessions,
                 consumerGroups: ConsumerGroups, checkpoints: SQLiteCheckpointStore,
                 cloudToDeviceStore: SQLiteCloudToDeviceStore, cloudToDeviceSnapshot: CloudToDeviceSnapshot,
                 jobStore: SQLiteJobStore, jobSnapshot: [StoredJob], configurationStore: SQLiteConfigurationStore,
                 configurationSnapshot: [DeviceConfiguration], importExportStore: SQLiteImportExportJobStore,
                 importExportSnapshot: [ImportExportJob], unrecorded: @escaping UnrecordedEventHandler, blobs: BlobService,
                 fileNotificationStore: SQLiteFileNotificationStore, fileNotifications: [FileNotification],
                 connectionEvents: HubEvents) {
        self.connectionEvents = connectionEvents
        self.importExportStore = importExportStore
        self.importExportSnapshot = importExportSnapshot
        self.jobStore = jobStore
        self.jobSnapshot = jobSnapshot
        self.configurationStore = configurationStore
        self.configurationSnapshot = configurationSnapshot
        self.unrecorded = unrecorded
        self.blobs = blobs
        self.fileNotificationStore = fileNotificationStore
        self.fileNotifications = fileNotifications
        self.cloudToDeviceStore = cloudToDeviceStore
        self.cloudToDeviceSnapshot = cloudToDeviceSnapshot
        self.telemetry = telemetry
        self.routing = routing
        self.endpointLogs = endpointLogs
        self.events = events
        self.sessions = sessions
        self.consumerGroups = consumerGroups
        self.checkpoints = checkpoints
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        self.database = database
        self.registry = registry
        self.clock = clock
        self.random = random
        self.certificates = certificates
        self.tls = tls
    }

    /// A lifecycle, connection-state or twin change event the events endpoint refused (a full
    /// disk, say): the change it records stands, so the miss is logged with its kind and device.
    static func logUnrecordedEvent(_ logger: Logger) -> UnrecordedEventHandler {
        { event, error in
            var metadata: Logger.Metadata = ["source": "\(event.source.rawValue)", "deviceId": "\(event.deviceID)",
                                             "reason": "\(error)"]
            if let moduleID = event.moduleID { metadata["moduleId"] = "\(moduleID)" }
            logger.warning("event not recorded", metadata: metadata)
        }
    }

    /// The façade over these resources, its timers on `scheduler` and its shard actors placed by
    /// `placement` (the node's event loops). Made once per opening: the C2D queues start from
    /// the snapshot loaded at open, and so do the scheduled jobs (call `hub.jobs.resume()`) and
    /// the import/export jobs (`hub.importExport?.resume()`).
    ///
    /// `jobTargets` evaluates jobs' `queryCondition`s: by default the query language over the
    /// twin cache and indexes (`HubQuery`), as `POST /devices/query` does.
    public func makeHub(scheduler: any HubScheduler, placement: any ShardPlacement = UnpinnedShards(),
                        jobTargets: (any JobTargets)? = nil) -> Hub {
        let cloudToDevice = CloudToDeviceQueues(registry: registry, store: cloudToDeviceStore, loaded: cloudToDeviceSnapshot,
                                                clock: clock, scheduler: scheduler, random: random, placement: placement)
        let twins = DeviceTwins(store: SQLiteTwinStore(database: database), registry: registry, clock: clock,
                                telemetry: telemetry, placement: placement, unrecorded: unrecorded)
        routing.sink.setTwinSource(twins)
        let methods = DirectMethods(registry: registry, scheduler: scheduler, random: random)
        let events = EventReader(source: events, checkpoints: checkpoints, scheduler: scheduler)
        let settings = configuration.fileUpload
        let random = random
        let notifications = settings.notificationsEnabled
            ? FileNotificationQueue(store: fileNotificationStore, loaded: fileNotifications, settings: settings, clock: clock,
                                    scheduler: scheduler, random: random)
            : nil
        let fileUploads = FileUploads(blobs: blobs, settings: settings, notifications: notifications,
                                      hostName: configuration.hostName, clock: clock, random: random)
        let jobs = ScheduledJobs(store: jobStore, loaded: jobSnapshot, twins: twins, methods: methods,
                                 targets: jobTargets ?? HubQuery(registry: registry, twins: twins), clock: clock,
                                 scheduler: scheduler, limits: configuration.jobs)
        let configurations = DeviceConfigurations(store: configurationStore, loaded: configurationSnapshot, twins: twins,
                                                  clock: clock, limits: configuration.configurations)
        let importExport = ImportExportJobs(store: importExportStore, loaded: importExportSnapshot, blobs: blobs, registry: registry,
                                            twins: twins, hostName: configuration.hostName, clock: clock, random: random,
                                            limits: configuration.importExport)
        return Hub(registry: registry, hostName: configuration.hostName, clock: clock, scheduler: scheduler, telemetry: telemetry,
                   sessions: sessions, twins: twins, methods: methods, cloudToDevice: cloudToDevice, events: events,
                   eventHubName: configuration.eventHubName.isEmpty ? nil : configuration.eventHubName,
                   consumerGroups: consumerGroups, fileUploads: fileUploads, jobs: jobs,
                   configurations: configurations, importExport: importExport, routing: routing)
    }

    /// Closes the store and releases the data directory (after the listeners stopped).
    public func close() async {
        await sessions.flush()
        await events.close()
        await endpointLogs.close()
        try? database.close()
        dataDirectory.close()
    }
}
