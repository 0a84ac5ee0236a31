import NaveCore
import NaveModel
import NaveTestSupport
import Testing

/// Automatic device configurations over in-memory stores and a manual clock (reference §4):
/// CRUD and etags, priority and its tie-break, removal reverting, retagging un-targeting,
/// re-evaluation when a twin's tags or reported properties change, and the metrics.
@Suite("Device configurations")
struct DeviceConfigurationsTests {
    /// A twin harness (`dev1` with module `m1`) plus `dev2`, and the configurations over it.
    struct Harness {
        let twin: TwinHarness
        let configurations: DeviceConfigurations

        init(limits: ConfigurationLimits = ConfigurationLimits(), store: any ConfigurationStore = InMemoryConfigurationStore())
            async throws
        {
            twin = try await TwinHarness()
            _ = try await twin.registry.createDevice(DeviceRequest(deviceID: "dev2"))
            configurations = try await DeviceConfigurations.open(store: store, twins: twin.twins, clock: twin.clock, limits: limits)
        }

        func tag(_ deviceID: String, env: String) async throws {
            _ = try await twin.twins.updateTwin(IdentityKey(deviceID: deviceID), TwinUpdate(tags: ["env": .string(env)]), ifMatch: nil)
        }

        func get(_ deviceID: String) async throws -> Twin { try await twin.twins.twin(IdentityKey(deviceID: deviceID)) }

        func fw(_ deviceID: String) async throws -> JSONValue? { try await get(deviceID).desired.values["fw"] }

        @discardableResult
        func create(_ id: String, priority: Int = 10, condition: String = "tags.env='test'", version: String = "2.0",
                    metrics: JSONObject = [:]) async throws -> DeviceConfiguration {
            try await configurations.put(Self.request(id, priority: priority, condition: condition, version: version, metrics: metrics),
                                         ifMatch: nil).0
        }

        static func request(_ id: String, priority: Int = 10, condition: String = "tags.env='test'", version: String = "2.0",
                            metrics: JSONObject = [:]) -> ConfigurationRequest {
            let content = ConfigurationContent(scope: .devices, settings: [
                ConfigurationSetting(path: ["fw"], value: ["version": .string(version)]),
            ])
            return ConfigurationRequest(id: id, content: content, targetCondition: condition, priority: priority, metricQueries: metrics)
        }
    }

    @Test("create, read, list, update with the etag (stale: 412), create on a taken id (409), delete with *")
    func crud() async throws {
        let harness = try await Harness()
        let created = try await harness.create("fw-v2")
        #expect(created.version == 1)
        #expect(try harness.configurations.configuration("fw-v2") == created)
        await #expect(throws: HubError.configurationAlreadyExists(id: "fw-v2")) {
            try await harness.configurations.put(Harness.request("fw-v2"), ifMatch: nil)
        }
        harness.twin.clock.advance(millis: 1_000)
        let (updated, wasCreated) = try await harness.configurations.put(Harness.request("fw-v2", priority: 20), ifMatch: created.etag)
        #expect(!wasCreated)
        #expect(updated.priority == 20 && updated.etag != created.etag && updated.lastUpdatedTime > created.createdTime)
        await #expect(throws: HubError.preconditionFailed()) {
            try await harness.configurations.put(Harness.request("fw-v2", priority: 30), ifMatch: created.etag)
        }
        await #expect(throws: HubError.self, "content cannot change") {
            try await harness.configurations.put(Harness.request("fw-v2", version: "9"), ifMatch: "*")
        }
        await #expect(throws: HubError.configurationNotFound(id: "nope")) {
            try await harness.configurations.put(Harness.request("nope"), ifMatch: "*")
        }
        try await harness.create("a-second", condition: "")
        #expect(harness.configurations.configurations().map(\.id) == ["fw-v2", "a-second"])
        #expect(harness.configurations.configurations(top: 1).map(\.id) == ["fw-v2"])
        await #expect(throws: HubError.preconditionFailed()) { try await harness.configurations.delete("fw-v2", ifMatch: "stale") }
        try await harness.configurations.delete("fw-v2", ifMatch: "*")
        #expect(throws: HubError.configurationNotFound(id: "fw-v2")) { try harness.configurations.configuration("fw-v2") }
    }

    @Test("refusals: invalid target, module content with a device target, the configuration quota")
    func refusals() async throws {
        var limits = ConfigurationLimits()
        limits.configurationsMax = 2
        let harness = try await Harness(limits: limits)
        await #expect(throws: HubError.self) { try await harness.create("bad", condition: "tags.env==") }
        let moduleContent = ConfigurationContent(scope: .modules, settings: [ConfigurationSetting(path: ["x"], value: 1)])
        await #expect(throws: HubError.self) {
            try await harness.configurations.put(ConfigurationRequest(id: "m", content: moduleContent, targetCondition: "tags.a=1",
                                                                      priority: 1), ifMatch: nil)
        }
        await #expect(throws: HubError.self) { try await harness.create("badmetric", metrics: ["m": "SELECT FROM"]) }
        try await harness.create("one")
        try await harness.create("two")
        await #expect(throws: HubError.configurationQuotaExceeded(countMax: 2)) { try await harness.create("three") }
    }

    @Test("a configuration applies to the twins it targets; the device gets the desired patch; statuses are recorded")
    func applies() async throws {
        let harness = try await Harness()
        let connection = harness.twin.connect(TwinHarness.device)
        try await harness.tag("dev1", env: "test")
        try await harness.tag("dev2", env: "prod")
        try await harness.create("fw-v2")
        #expect(try await harness.fw("dev1") == ["version": "2.0"])
        #expect(try await harness.fw("dev2") == nil)
        let twin = try await harness.get("dev1")
        #expect(twin.configurations.statuses == ["fw-v2": .applied])
        #expect(connection.desiredPatches.last?.body == #"{"fw":{"version":"2.0"},"$version":2}"#)
        let rendered = try harness.twin.twins.json(of: twin)
        #expect(rendered["configurations"] == ["fw-v2": ["status": "applied"]])
        let queried = try await HubQuery(registry: harness.twin.registry, twins: harness.twin.twins)
            .page("SELECT deviceId FROM devices WHERE configurations.[[fw-v2]].status = 'applied'", pageRows: nil, continuation: nil)
        #expect(queried.rows.map { $0["deviceId"] } == [.string("dev1")])
    }

    @Test("per path the higher priority wins; on a tie the newest; deleting the winner reverts to the next")
    func priorityAndRemoval() async throws {
        let harness = try await Harness()
        try await harness.tag("dev1", env: "test")
        try await harness.create("fw-v2", priority: 10, version: "2.0")
        try await harness.create("fw-v3", priority: 20, version: "3.0")
        #expect(try await harness.fw("dev1") == ["version": "3.0"])
        #expect(try await harness.get("dev1").configurations.statuses == ["fw-v2": .targeted, "fw-v3": .applied])
        harness.twin.clock.advance(millis: 10)
        try await harness.create("fw-v4", priority: 20, version: "4.0")
        #expect(try await harness.fw("dev1") == ["version": "4.0"], "a tie goes to the most recently created")
        try await harness.configurations.delete("fw-v4", ifMatch: nil)
        #expect(try await harness.fw("dev1") == ["version": "3.0"])
        try await harness.configurations.delete("fw-v3", ifMatch: "*")
        #expect(try await harness.fw("dev1") == ["version": "2.0"])
        #expect(try await harness.get("dev1").configurations.statuses == ["fw-v2": .applied])
        // Lowering a priority is an update: the ranking is recomputed.
        try await harness.create("fw-v5", priority: 5, version: "5.0")
        #expect(try await harness.fw("dev1") == ["version": "2.0"])
        let five = try harness.configurations.configuration("fw-v5")
        _ = try await harness.configurations.put(Harness.request("fw-v5", priority: 50, version: "5.0"), ifMatch: five.etag)
        #expect(try await harness.fw("dev1") == ["version": "5.0"])
    }

    @Test("retagging un-targets: the path no configuration sets is removed, other desired properties stay")
    func retagUntargets() async throws {
        let harness = try await Harness()
        try await harness.tag("dev1", env: "test")
        _ = try await harness.twin.patchDesired(#"{"own":1}"#)
        try await harness.create("fw-v2")
        #expect(try await harness.fw("dev1") == ["version": "2.0"])
        try await harness.tag("dev1", env: "prod")
        let twin = try await harness.get("dev1")
        #expect(twin.desired.values["fw"] == nil)
        #expect(twin.desired.values["own"] == 1)
        #expect(twin.configurations.isEmpty)
        let metrics = try await harness.configurations.metrics(of: try harness.configurations.configuration("fw-v2"))
        #expect(metrics.system.map(\.1) == [0, 0])
        // Retagged back: applied again.
        try await harness.tag("dev1", env: "test")
        #expect(try await harness.fw("dev1") == ["version": "2.0"])
    }

    @Test("a reported-properties change re-evaluates the twin (a target on reported properties)")
    func reportedChangeReevaluates() async throws {
        let harness = try await Harness()
        try await harness.create("wifi", condition: "properties.reported.conn = 'wifi'")
        #expect(try await harness.fw("dev1") == nil)
        _ = try await harness.twin.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"conn":"wifi"}"#.utf8))
        #expect(try await harness.fw("dev1") == ["version": "2.0"])
        _ = try await harness.twin.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"conn":"cellular"}"#.utf8))
        #expect(try await harness.fw("dev1") == nil)
    }

    @Test("a device created while a configuration targets every device gets it at once; one it does not target gets no twin write")
    func newIdentity() async throws {
        let harness = try await Harness()
        try await harness.create("all", condition: "*")
        _ = try await harness.twin.registry.createDevice(DeviceRequest(deviceID: "dev3"))
        #expect(try await harness.twin.store.loadTwin(IdentityKey(deviceID: "dev3"))?.desired.values["fw"] == ["version": "2.0"])
        try await harness.configurations.delete("all", ifMatch: nil)
        try await harness.create("none", condition: "tags.env = 'nowhere'")
        _ = try await harness.twin.registry.createDevice(DeviceRequest(deviceID: "dev4"))
        #expect(try await harness.twin.store.loadTwin(IdentityKey(deviceID: "dev4")) == nil)
    }

    @Test("a value set by hand is not fought over while the winners stay; a status-only change moves the twin version")
    func noFighting() async throws {
        let harness = try await Harness()
        try await harness.tag("dev1", env: "test")
        try await harness.create("fw-v2")
        _ = try await harness.twin.patchDesired(#"{"fw":{"version":"hand"}}"#)
        _ = try await harness.twin.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"x":1}"#.utf8))
        #expect(try await harness.fw("dev1") == ["version": "hand"])
        let before = try await harness.get("dev1").version
        try await harness.create("fw-low", priority: 1)
        let after = try await harness.get("dev1")
        #expect(after.configurations.statuses["fw-low"] == .targeted)
        #expect(after.version == before + 1)
    }

    @Test("metrics: targeted and applied counts (partial application counts), custom metric row counts")
    func metrics() async throws {
        let harness = try await Harness()
        try await harness.tag("dev1", env: "test")
        try await harness.tag("dev2", env: "test")
        try await harness.create("fw-v2", metrics: ["done": "SELECT deviceId FROM devices WHERE properties.reported.fw.version='2.0'"])
        let nested = ConfigurationContent(scope: .devices, settings: [
            ConfigurationSetting(path: ["fw", "version"], value: "9"), ConfigurationSetting(path: ["other"], value: true),
        ])
        _ = try await harness.configurations.put(ConfigurationRequest(id: "hi", content: nested, targetCondition: "deviceId = 'dev1'",
                                                                      priority: 99), ifMatch: nil)
        _ = try await harness.twin.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"fw":{"version":"2.0"}}"#.utf8))
        let configuration = try harness.configurations.configuration("fw-v2")
        let metrics = try await harness.configurations.metrics(of: configuration)
        #expect(metrics.system.map(\.0) == ["targetedCount", "appliedCount"])
        #expect(metrics.system.map(\.1) == [2, 2], "dev1 still holds fw from fw-v2 beside hi's fw.version")
        #expect(metrics.custom.map(\.1) == [1])
        #expect(metrics.systemQueries["appliedCount"] == "SELECT deviceId FROM devices WHERE configurations.[[fw-v2]].status = 'applied'")
        #expect(try await harness.get("dev1").desired.values["fw"] == ["version": "9"])
    }

    @Test("module content targets module twins (FROM devices.modules WHERE …)")
    func moduleContent() async throws {
        let harness = try await Harness()
        _ = try await harness.twin.twins.updateTwin(TwinHarness.module, TwinUpdate(tags: ["role": "sensor"]), ifMatch: nil)
        let content = ConfigurationContent(scope: .modules, settings: [ConfigurationSetting(path: ["rate"], value: 5)])
        _ = try await harness.configurations.put(ConfigurationRequest(id: "mods", content: content,
                                                                      targetCondition: "FROM devices.modules WHERE tags.role = 'sensor'",
                                                                      priority: 1), ifMatch: nil)
        #expect(try await harness.twin.twins.twin(TwinHarness.module).desired.values["rate"] == 5)
        #expect(try await harness.get("dev1").desired.values["rate"] == nil)
    }

    @Test("testQueries: the parser's message for an invalid condition or metric, empty when valid")
    func testQueries() {
        let valid = DeviceConfigurations.testQueries(targetCondition: "tags.env='test'", metricQueries: ["m": "SELECT deviceId FROM devices"])
        #expect(valid.targetConditionError.isEmpty && valid.metricQueryErrors.isEmpty)
        let invalid = DeviceConfigurations.testQueries(targetCondition: "tags.env==", metricQueries: ["m": "SELECT", "ok": "SELECT * FROM devices"])
        #expect(!invalid.targetConditionError.isEmpty)
        #expect(invalid.metricQueryErrors.keys == ["m"])
    }

    @Test("configurations survive a reopen of their store; twins keep their records")
    func reopen() async throws {
        let store = InMemoryConfigurationStore()
        let harness = try await Harness(store: store)
        try await harness.tag("dev1", env: "test")
        let created = try await harness.create("fw-v2")
        let reopened = try await DeviceConfigurations.open(store: store, twins: harness.twin.twins, clock: harness.twin.clock)
        #expect(try reopened.configuration("fw-v2") == created)
    }
}
