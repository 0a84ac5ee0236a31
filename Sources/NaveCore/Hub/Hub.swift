import NaveModel

/// The embeddable hub: one protocol-neutral façade for both sides. Device adapters (MQTT today,
/// AMQP next, the HTTPS device API) call its device-side operations (`Hub+Devices.swift`:
/// telemetry, twin requests, method answers, C2D settlement, sessions); the REST API and other
/// back-end adapters reach the registry, twins, methods, C2D queues and the events endpoint
/// through it. Every rule of IoT Hub lives behind it, once; adapters only translate wires.
/// Its services reach connected devices through `LiveConnection.deliver`.
public final class Hub: Sendable {
    public let registry: IdentityRegistry
    /// The hub host name (SAS `sr`, usernames, connection strings).
    public let hostName: String
    /// The Event Hub-compatible name of the built-in events endpoint: `EntityPath=` in its
    /// connection string, the entity in AMQP addresses and CBS audiences (contract §6.1, §6.5).
    public let eventHubName: String
    public let clock: any HubClock
    public let scheduler: any HubScheduler
    /// Device and module twins.
    public let twins: DeviceTwins
    /// Direct methods: back ends invoke, devices answer.
    public let methods: DirectMethods
    /// Cloud-to-device queues and their feedback.
    public let cloudToDevice: CloudToDeviceQueues
    /// The built-in events endpoint as readers see it (positions, checkpoints, waiting).
    public let events: EventReader?
    /// The events endpoint's consumer groups (`$Default` and those created since).
    public let consumerGroups: ConsumerGroups
    /// Scheduled jobs (jobs v2): twin updates and direct methods over the fleet.
    public let jobs: ScheduledJobs
    /// Automatic device configurations: `/configurations` and their application to twins.
    public let configurations: DeviceConfigurations
    /// Where telemetry goes; device adapters reach it only through `acceptTelemetry`.
    let telemetry: any TelemetrySink
    /// Devices' durable MQTT sessions (which IoT Hub topics each subscribed to).
    let sessions: DeviceSessions
    /// File upload: the blob store, device uploads and the back end's notifications; nil in a
    /// hub without a blob store.
    public let fileUploads: FileUploads?
    /// Import/export jobs (`/jobs/create`, reference §3.5) over the blob store; nil in a hub
    /// without one.
    public let importExport: ImportExportJobs?
    /// Message routing (routes, endpoints, enrichments, the fallback); nil in a hub whose
    /// telemetry goes straight to its sink.
    public let routing: MessageRouting?

    public init(registry: IdentityRegistry, hostName: String, clock: any HubClock, scheduler: any HubScheduler,
                telemetry: any TelemetrySink, sessions: DeviceSessions, twins: DeviceTwins, methods: DirectMethods,
                cloudToDevice: CloudToDeviceQueues, events: EventReader? = nil, eventHubName: String? = nil,
                consumerGroups: ConsumerGroups? = nil, fileUploads: FileUploads? = nil, jobs: ScheduledJobs? = nil,
                configurations: DeviceConfigurations? = nil, importExport: ImportExportJobs? = nil,
                routing: MessageRouting? = nil) {
        self.fileUploads = fileUploads
        self.routing = routing
        // Without a store of their own, import/export jobs live in memory, when there are blobs.
        self.importExport = importExport ?? fileUploads.map {
            ImportExportJobs(store: InMemoryImportExportJobStore(), loaded: [], blobs: $0.blobs, registry: registry, twins: twins,
                             hostName: hostName, clock: clock, random: $0.random)
        }
        self.registry = registry
        self.hostName = hostName
        self.eventHubName = eventHubName ?? Self.defaultEventHubName(hostName: hostName)
        self.clock = clock
        self.scheduler = scheduler
        self.telemetry = telemetry
        self.sessions = sessions
        self.twins = twins
        self.methods = methods
        self.cloudToDevice = cloudToDevice
        self.events = events
        // Without a store of its own, groups live in memory beside the reader's checkpoints.
        self.consumerGroups = consumerGroups ?? ConsumerGroups(store: InMemoryConsumerGroupStore(), loaded: [],
                                                               checkpoints: events?.checkpoints, clock: clock)
        // Without a store of their own, jobs live in memory.
        self.jobs = jobs ?? ScheduledJobs(store: InMemoryJobStore(), loaded: [], twins: twins, methods: methods,
                                          targets: HubQuery(registry: registry, twins: twins), clock: clock,
                                          scheduler: scheduler)
        // Without a store of their own, configurations live in memory.
        self.configurations = configurations ?? DeviceConfigurations(store: InMemoryConfigurationStore(), loaded: [], twins: twins,
                                                                     clock: clock)
    }

    /// IoT Hub names the endpoint after the hub, the first label of its host name
    /// (`myhub.azure-devices.net` → `myhub`); `localhost` and `localhost:8443` give `localhost`.
    public static func defaultEventHubName(hostName: String) -> String {
        let host = hostName.split(separator: ":", maxSplits: 1).first.map(String.init) ?? hostName
        return (host.split(separator: ".").first.map(String.init) ?? host).lowercased()
    }

    /// Connection state per identity, and the way to reach a connected device.
    public var connections: LiveConnections { registry.connections }

    /// Waits until every change accepted so far is in the stores: C2D sends, settlements and
    /// feedback (written behind the caller, in order) and device sessions. Before a graceful
    /// close; a write that failed already failed its caller, so nothing is thrown here.
    public func flush() async {
        try? await cloudToDevice.flush()
        await sessions.flush()
    }
}
