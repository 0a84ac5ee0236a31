import NaveModel

extension Hub {
    /// A hub over in-memory stores: for tests that drive the façade without disk or sockets, and
    /// for embedders who keep nothing across restarts. Nothing it holds survives the process.
    public static func inMemory(registry: IdentityRegistry, hostName: String = "localhost", clock: any HubClock,
                                scheduler: any HubScheduler, random: any HubRandom,
                                telemetry: any TelemetrySink, twinStore: any TwinStore = InMemoryTwinStore(),
                                events: EventReader? = nil, placement: any ShardPlacement = UnpinnedShards(),
                                consumerGroupStore: any ConsumerGroupStore = InMemoryConsumerGroupStore(),
                                jobStore: any JobStore = InMemoryJobStore(), jobTargets: (any JobTargets)? = nil,
                                jobLimits: JobLimits = JobLimits(),
                                configurationStore: any ConfigurationStore = InMemoryConfigurationStore(),
                                configurationLimits: ConfigurationLimits = ConfigurationLimits(),
                                routingStore: any RoutingStore = InMemoryRoutingStore(),
                                routingEndpoints: any RoutingEndpointSinks = InMemoryRoutingEndpointSinks()) async throws -> Hub {
        // Everything goes through routing; with nothing configured it hands events to
        // `telemetry` unchanged.
        let routingSink = RoutingTelemetrySink(builtIn: telemetry, hubName: defaultEventHubName(hostName: hostName), clock: clock)
        let routing = try await MessageRouting.open(store: routingStore, sink: routingSink, endpointSinks: routingEndpoints, clock: clock)
        let telemetry = routingSink
        let twins = DeviceTwins(store: twinStore, registry: registry, clock: clock, telemetry: telemetry, placement: placement)
        routingSink.setTwinSource(twins)
        let methods = DirectMethods(registry: registry, scheduler: scheduler, random: random)
        let cloudToDevice = try await CloudToDeviceQueues.open(registry: registry, store: InMemoryCloudToDeviceStore(), clock: clock,
                                                               scheduler: scheduler, random: random, placement: placement)
        let sessions = try await DeviceSessions(store: InMemoryDeviceSessionStore())
        let consumerGroups = try await ConsumerGroups.open(store: consumerGroupStore, checkpoints: events?.checkpoints, clock: clock)
        let jobs = try await ScheduledJobs.open(store: jobStore, twins: twins, methods: methods,
                                                targets: jobTargets ?? HubQuery(registry: registry, twins: twins),
                                                clock: clock, scheduler: scheduler, limits: jobLimits)
        await jobs.resume()
        let configurations = try await DeviceConfigurations.open(store: configurationStore, twins: twins, clock: clock,
                                                                 limits: configurationLimits)
        return Hub(registry: registry, hostName: hostName, clock: clock, scheduler: scheduler, telemetry: telemetry,
                   sessions: sessions, twins: twins, methods: methods, cloudToDevice: cloudToDevice, events: events,
                   consumerGroups: consumerGroups, jobs: jobs, configurations: configurations, routing: routing)
    }
}
