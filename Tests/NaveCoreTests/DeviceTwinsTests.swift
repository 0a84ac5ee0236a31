import NaveCore
import NaveModel
import Testing

/// The twin service: the device's GET and reported patch (contract §1.10), the back end's
/// PATCH/PUT with If-Match and the desired notification (§4.4), events and deletions.
@Suite("Device twins")
struct DeviceTwinsTests {
    @Test("a device's first GET creates its twin: both $versions 1, no tags, no metadata")
    func firstGet() async throws {
        let hub = try await TwinHarness()
        #expect(try await hub.deviceBody() == #"{"desired":{"$version":1},"reported":{"$version":1}}"#)
        let stored = try #require(try await hub.store.loadTwin(TwinHarness.device))
        #expect(stored.etag == "AAAAAAAAAAE=" && stored.identityGenerationID == hub.registry.device("dev1")?.generationID)
        // Reading again gives the stored twin (same metadata time), not a new one.
        hub.clock.advance(seconds: 60)
        let same = try await hub.twins.twin(TwinHarness.device) == stored
        #expect(same)
    }

    @Test("unknown devices and modules are DeviceNotFound and ModuleNotFound on every operation")
    func unknownIdentities() async throws {
        let hub = try await TwinHarness()
        let unknownDevice = IdentityKey(deviceID: "nope")
        let unknownModule = IdentityKey(deviceID: "dev1", moduleID: "nope")
        for (key, code) in [(unknownDevice, 404_001), (unknownModule, 404_010)] {
            await #expect(throws: HubError.self) { try await hub.twins.deviceGetTwin(key) }
            do {
                _ = try await hub.twins.deviceUpdateReported(key, patch: Array(#"{"a":1}"#.utf8))
                Issue.record("reported patch of \(key) accepted")
            } catch { #expect(error.code == code) }
            do {
                _ = try await hub.twins.updateTwin(key, TwinUpdate(tags: ["a": 1]), ifMatch: nil)
                Issue.record("update of \(key) accepted")
            } catch { #expect(error.code == code) }
            do {
                _ = try await hub.twins.replaceTwin(key, TwinUpdate(), ifMatch: "*")
                Issue.record("replace of \(key) accepted")
            } catch { #expect(error.code == code) }
        }
        #expect(try await hub.store.loadTwin(unknownDevice) == nil)
    }

    @Test("reported patches answer the new reported $version; the GET body shows them")
    func reportedFlow() async throws {
        let hub = try await TwinHarness()
        #expect(try await hub.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"fw":"1.2","tmp":1}"#.utf8)) == 2)
        #expect(try await hub.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"tmp":null}"#.utf8)) == 3)
        // A patch that changes nothing answers the current version.
        #expect(try await hub.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"tmp":null}"#.utf8)) == 3)
        #expect(try await hub.deviceBody() == #"{"desired":{"$version":1},"reported":{"fw":"1.2","$version":3}}"#)
        let twin = try await hub.twins.twin(TwinHarness.device)
        #expect(twin.version == 3)
    }

    @Test("malformed, non-object, too deep or oversized reported patches are 400 and change nothing",
          arguments: [" ", "{", "[1]", "5", #"{"$version":3}"#,
                      String(repeating: #"{"a":"#, count: 12) + "1" + String(repeating: "}", count: 12),
                      #"{"a":""# + String(repeating: "x", count: 70_000) + #""}"#])
    func badReported(body: String) async throws {
        let hub = try await TwinHarness()
        do {
            _ = try await hub.twins.deviceUpdateReported(TwinHarness.device, patch: Array(body.utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.status == 400 && error.code == 400_004)
        }
        #expect(try await hub.twins.twin(TwinHarness.device).reported.version == 1)
    }

    @Test("a desired change reaches the device's live connection as the delta with $version; others do not")
    func desiredNotification() async throws {
        let hub = try await TwinHarness()
        let device = hub.connect(TwinHarness.device)
        let module = hub.connect(TwinHarness.module)
        _ = try await hub.patchDesired(#"{"telemetryInterval":5,"mode":"a"}"#)
        _ = try await hub.patchDesired(#"{"telemetryInterval":7,"mode":"a"}"#)
        _ = try await hub.patchDesired(#"{"mode":"a"}"#) // no change: nothing sent
        _ = try await hub.twins.updateTwin(TwinHarness.device, TwinUpdate(tags: ["loc": "x"]), ifMatch: nil) // tags: device never told
        let patches = device.desiredPatches
        #expect(patches.map(\.version) == [2, 3])
        #expect(patches.map(\.body) == [#"{"telemetryInterval":5,"mode":"a","$version":2}"#, #"{"telemetryInterval":7,"$version":3}"#])
        #expect(module.desiredPatches.isEmpty)
        _ = try await hub.patchDesired(#"{"m":true}"#, TwinHarness.module)
        #expect(module.desiredPatches.map(\.body) == [#"{"m":true,"$version":2}"#])
        #expect(device.desiredPatches.count == 2)
    }

    @Test("replace: tags and desired become the body's, reported stays, the device gets the difference")
    func replaceFlow() async throws {
        let hub = try await TwinHarness()
        let device = hub.connect(TwinHarness.device)
        _ = try await hub.twins.updateTwin(TwinHarness.device, TwinUpdate(tags: ["loc": "x"], desired: ["interval": 5]), ifMatch: nil)
        _ = try await hub.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"fw":"1"}"#.utf8))
        let twin = try await hub.twins.replaceTwin(TwinHarness.device, TwinUpdate(desired: ["b": 1]), ifMatch: "\"*\"")
        #expect(twin.tags.isEmpty && twin.desired.values == ["b": 1] && twin.reported.values == ["fw": "1"])
        #expect(twin.version == 4 && twin.desired.version == 3)
        #expect(device.desiredPatches.last?.body == #"{"b":1,"interval":null,"$version":3}"#)
    }

    @Test("If-Match: absent, *, quoted or weak current etag pass; a stale one is 412 and changes nothing")
    func ifMatch() async throws {
        let hub = try await TwinHarness()
        var etag = try await hub.twins.twin(TwinHarness.device).etag
        let forms: [@Sendable (String) -> String?] = [{ _ in nil }, { _ in "*" }, { _ in "\"*\"" }, { "\"\($0)\"" },
                                                    { "W/\"\($0)\"" }, { $0 }]
        for (index, form) in forms.enumerated() {
            let twin = try await hub.patchDesired(#"{"n":\#(index)}"#, ifMatch: form(etag))
            #expect(twin.etag != etag)
            etag = twin.etag
        }
        let before = try await hub.twins.twin(TwinHarness.device)
        await #expect(throws: HubError.preconditionFailed()) {
            try await hub.patchDesired(#"{"n":"stale"}"#, ifMatch: "\"AAAAAAAAAAE=\"")
        }
        await #expect(throws: HubError.preconditionFailed()) {
            try await hub.twins.replaceTwin(TwinHarness.device, TwinUpdate(), ifMatch: "\"AAAAAAAAAAE=\"")
        }
        let unchanged = try await hub.twins.twin(TwinHarness.device) == before
        #expect(unchanged)
    }

    @Test("concurrent patches of one twin serialize: no update is lost, versions count every change",
          .timeLimit(.minutes(1)))
    func concurrentPatches() async throws {
        let hub = try await TwinHarness(store: YieldingTwinStore())
        let writers = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<writers {
                group.addTask {
                    if index.isMultiple(of: 2) {
                        _ = try await hub.patchDesired(#"{"k\#(index)":\#(index)}"#)
                    } else {
                        _ = try await hub.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"k\#(index)":\#(index)}"#.utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        let twin = try await hub.twins.twin(TwinHarness.device)
        #expect(twin.desired.values.count == writers / 2 && twin.reported.values.count == writers / 2)
        #expect(twin.version == Int64(1 + writers))
        #expect(twin.desired.version == Int64(1 + writers / 2) && twin.reported.version == Int64(1 + writers / 2))
    }

    @Test("concurrent patches with the same If-Match: exactly one wins, the others get 412", .timeLimit(.minutes(1)))
    func concurrentIfMatch() async throws {
        let hub = try await TwinHarness(store: YieldingTwinStore())
        let etag = try await hub.twins.twin(TwinHarness.device).etag
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        _ = try await hub.patchDesired(#"{"winner":\#(index)}"#, ifMatch: "\"\(etag)\"")
                        return true
                    } catch let error as HubError {
                        #expect(error.code == 412_001)
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await hub.twins.twin(TwinHarness.device).version == 2)
    }

    @Test("every change is recorded as a twin change event with IoT Hub's properties")
    func changeEvents() async throws {
        let hub = try await TwinHarness()
        _ = try await hub.twins.updateTwin(TwinHarness.module, TwinUpdate(tags: ["t": 1], desired: ["a": 1]), ifMatch: nil)
        _ = try await hub.twins.deviceUpdateReported(TwinHarness.device, patch: Array(#"{"fw":"2"}"#.utf8))
        _ = try await hub.twins.replaceTwin(TwinHarness.device, TwinUpdate(), ifMatch: nil) // nothing to replace: no event
        let events = hub.sink.appended.filter { $0.source != .deviceLifecycleEvents } // the harness made its identities
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0.source == .twinChangeEvents })
        let first = try #require(events.first)
        #expect(first.deviceID == "dev1" && first.moduleID == "m1")
        #expect(String(decoding: first.message.body, as: UTF8.self)
            == #"{"version":2,"tags":{"t":1},"properties":{"desired":{"a":1,"$version":2}}}"#)
        let properties = Dictionary(uniqueKeysWithValues: first.message.applicationProperties.map { ($0.name, $0.value ?? "") })
        #expect(properties["opType"] == "updateTwin" && properties["moduleId"] == "m1"
            && properties["iothub-message-schema"] == "twinChangeNotification")
        #expect(String(decoding: events[1].message.body, as: UTF8.self)
            == #"{"version":2,"properties":{"reported":{"fw":"2","$version":2}}}"#)
    }

    @Test("a sink that refuses events does not undo the change; the miss is counted and reported")
    func refusedEvents() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        let reported = UnrecordedEvents()
        let twins = DeviceTwins(store: InMemoryTwinStore(), registry: registry, clock: clock, telemetry: RefusingSink(),
                                unrecorded: reported.record)
        #expect(try await twins.updateTwin(TwinHarness.device, TwinUpdate(desired: ["a": 1]), ifMatch: nil).version == 2)
        #expect(twins.unrecordedEventCount == 1)
        #expect(reported.entries == ["twinChangeEvents dev1 503"])
    }

    @Test("deleting a module or device deletes its twins; a device created again starts afresh")
    func deletions() async throws {
        let store = InMemoryTwinStore()
        let hub = try await TwinHarness(store: store)
        _ = try await hub.patchDesired(#"{"a":1}"#)
        _ = try await hub.patchDesired(#"{"a":1}"#, TwinHarness.module)
        #expect(store.count == 2)
        try await hub.registry.deleteModule("dev1", "m1", ifMatch: nil)
        #expect(store.count == 1)
        try await hub.registry.deleteDevice("dev1", ifMatch: nil)
        #expect(store.count == 0)
        // A twin left behind by a failed delete belongs to the old generation and is not shown.
        _ = try await hub.registry.createDevice(DeviceRequest(deviceID: "dev1"))
        var stale = Twin(deviceID: "dev1", identityGenerationID: "old", createdAt: hub.clock.now())
        _ = try stale.update(TwinUpdate(desired: ["old": true]), at: hub.clock.now())
        try await store.saveTwin(stale)
        #expect(try await hub.deviceBody() == #"{"desired":{"$version":1},"reported":{"$version":1}}"#)
    }

    @Test("the REST rendering shows the identity's etag and live connection state")
    func rendering() async throws {
        let hub = try await TwinHarness()
        _ = hub.connect(TwinHarness.device)
        let json = try hub.twins.json(of: try await hub.twins.twin(TwinHarness.device))
        #expect(json["deviceEtag"] == .string(hub.registry.device("dev1")!.etag))
        #expect(json["connectionState"] == "Connected" && json["authenticationType"] == "sas")
        let module = try hub.twins.json(of: try await hub.twins.twin(TwinHarness.module))
        #expect(module["moduleId"] == "m1" && module["connectionState"] == "Disconnected")
    }
}
