import NaveCore
import NaveModel
import NaveTestSupport
import Testing

/// `HubQuery` over in-memory stores: which twins a query sees, how pages and continuations
/// behave while the fleet changes, and that a value index answers exactly what a scan does.
@Suite("Hub query over twins")
struct HubQueryTests {
    /// Devices d00…d(count-1); device i has tag site = "s(i % 3)" and reports status "ok" for
    /// even i, "err" for odd i; d00 has a module m1.
    static func fleet(_ count: Int) async throws -> TwinHarness {
        let harness = try await TwinHarness()
        for index in 0..<count {
            let id = Self.id(index)
            _ = try await harness.registry.createDevice(DeviceRequest(deviceID: id))
            _ = try await harness.twins.updateTwin(IdentityKey(deviceID: id), TwinUpdate(tags: ["site": .string("s\(index % 3)")]), ifMatch: nil)
            _ = try await harness.twins.deviceUpdateReported(IdentityKey(deviceID: id),
                                                            patch: Array(#"{"status":"\#(index % 2 == 0 ? "ok" : "err")"}"#.utf8))
        }
        _ = try await harness.registry.putModule(ModuleRequest(deviceID: Self.id(0), moduleID: "m1"), ifMatch: nil)
        return harness
    }

    static func id(_ index: Int) -> String { index < 10 ? "d0\(index)" : "d\(index)" }

    static func query(_ harness: TwinHarness) -> HubQuery { HubQuery(registry: harness.registry, twins: harness.twins) }

    /// Every row of `text`, page by page, with the number of pages.
    static func all(_ harness: TwinHarness, _ text: String, pageRows: Int? = nil) async throws -> (rows: [JSONValue], pages: Int) {
        var rows: [JSONValue] = []
        var pages = 0
        var token: String?
        repeat {
            let page = try await query(harness).page(text, pageRows: pageRows, continuation: token)
            rows += page.rows
            pages += 1
            token = page.continuation
        } while token != nil && pages < 1000
        return (rows, pages)
    }

    static func ids(_ rows: [JSONValue]) -> [String] { rows.compactMap { $0["deviceId"]?.stringValue } }

    @Test("SELECT * returns whole twins in id order with item type twin; WHERE on tags and reported")
    func selectWhere() async throws {
        let harness = try await Self.fleet(7)
        let page = try await Self.query(harness).page("SELECT * FROM devices WHERE tags.site = 's1'", pageRows: nil, continuation: nil)
        #expect(page.itemType == "twin")
        #expect(Self.ids(page.rows) == ["d01", "d04"])
        #expect(page.continuation == nil)
        #expect(page.rows.first?["tags"]?["site"]?.stringValue == "s1")
        #expect(page.rows.first?["properties"]?["reported"]?["status"]?.stringValue == "err")
        let reported = try await Self.all(harness, "SELECT * FROM devices WHERE properties.reported.status = 'ok' AND tags.site != 's0'")
        #expect(Self.ids(reported.rows) == ["d02", "d04"])
    }

    @Test("the devices collection holds dev1 of the harness and the fleet; modules only modules")
    func collections() async throws {
        let harness = try await Self.fleet(3)
        let devices = try await Self.all(harness, "SELECT * FROM devices")
        #expect(Self.ids(devices.rows) == ["d00", "d01", "d02", "dev1"])
        let modules = try await Self.all(harness, "SELECT * FROM devices.modules")
        #expect(modules.rows.map { "\($0["deviceId"]?.stringValue ?? "")/\($0["moduleId"]?.stringValue ?? "")" } == ["d00/m1", "dev1/m1"])
        let one = try await Self.all(harness, "SELECT * FROM devices.modules WHERE moduleId = 'm1' AND deviceId = 'd00'")
        #expect(one.rows.count == 1)
    }

    @Test("pages of x-ms-max-item-count rows; a continuation only while rows remain; pages over 100 are cut to 100")
    func paging() async throws {
        let harness = try await Self.fleet(5)
        let paged = try await Self.all(harness, "SELECT * FROM devices WHERE deviceId IN ['d00','d01','d02','d03','d04']", pageRows: 2)
        #expect(paged.pages == 3)
        #expect(Self.ids(paged.rows) == ["d00", "d01", "d02", "d03", "d04"])
        let big = try await Self.query(harness).page("SELECT * FROM devices", pageRows: 5000, continuation: nil)
        #expect(big.rows.count == 6)
        await #expect(throws: HubError.self) { _ = try await Self.query(harness).page("SELECT * FROM devices", pageRows: 0, continuation: nil) }
    }

    @Test("a continuation never skips or repeats a device that exists for the whole query, whatever changes between pages")
    func consistentUnderChanges() async throws {
        let harness = try await Self.fleet(12)
        var token: String?
        var seen: [String] = []
        var round = 0
        repeat {
            let page = try await Self.query(harness).page("SELECT * FROM devices WHERE tags.site = 's0' OR tags.site = 's1'",
                                                          pageRows: 2, continuation: token)
            seen += Self.ids(page.rows)
            token = page.continuation
            // Between pages: new devices before and after the cursor, a deletion, twin writes.
            round += 1
            _ = try await harness.registry.createDevice(DeviceRequest(deviceID: "a-new-\(round)"))
            _ = try await harness.twins.updateTwin(IdentityKey(deviceID: "a-new-\(round)"), TwinUpdate(tags: ["site": "s0"]), ifMatch: nil)
            _ = try await harness.twins.updateTwin(IdentityKey(deviceID: "d00"), TwinUpdate(desired: ["round": .integer(Int64(round))]), ifMatch: nil)
            if round == 2 { try await harness.registry.deleteDevice("d10", ifMatch: nil) }
        } while token != nil && round < 50
        let stable = ["d00", "d01", "d03", "d04", "d06", "d07", "d09"]  // s0 or s1, never deleted
        for id in stable { #expect(seen.filter { $0 == id }.count == 1, "\(id) shown once") }
        #expect(Set(seen).count == seen.count, "no repeats")
        #expect(!seen.contains { $0.hasPrefix("a-new") }, "created before the cursor, so never reached")
    }

    @Test("a token from another query is refused")
    func foreignToken() async throws {
        let harness = try await Self.fleet(3)
        let page = try await Self.query(harness).page("SELECT * FROM devices", pageRows: 1, continuation: nil)
        let token = try #require(page.continuation)
        await #expect(throws: HubError.self) {
            _ = try await Self.query(harness).page("SELECT * FROM devices WHERE tags.site = 's0'", pageRows: 1, continuation: token)
        }
        await #expect(throws: HubError.self) {
            _ = try await Self.query(harness).page("SELECT * FROM devices", pageRows: 1, continuation: "garbage")
        }
    }

    @Test("COUNT, GROUP BY and projections answer raw rows; TOP bounds rows across pages")
    func aggregates() async throws {
        let harness = try await Self.fleet(5)
        let count = try await Self.query(harness).page("SELECT COUNT() AS total FROM devices", pageRows: nil, continuation: nil)
        #expect(count.itemType == "raw")
        #expect(count.rows == [["total": 6]])
        let groups = try await Self.all(harness, "SELECT properties.reported.status AS s, COUNT() AS n FROM devices GROUP BY properties.reported.status")
        var byStatus: [String: Int64] = [:]
        for row in groups.rows { byStatus[row["s"]?.stringValue ?? "(none)"] = row["n"]?.int64Value }
        #expect(byStatus == ["ok": 3, "err": 2, "(none)": 1])
        let projected = try await Self.query(harness).page("SELECT deviceId, tags.site FROM devices WHERE deviceId = 'd01'", pageRows: nil, continuation: nil)
        #expect(projected.itemType == "raw")
        #expect(projected.rows == [["deviceId": "d01", "site": "s1"]])
        let top = try await Self.all(harness, "SELECT TOP 3 * FROM devices", pageRows: 2)
        #expect(Self.ids(top.rows) == ["d00", "d01", "d02"])
        #expect(top.pages == 2)
    }

    @Test("identity fields: status and connectionState come from the registry and presence")
    func identityFields() async throws {
        let harness = try await Self.fleet(3)
        _ = try await harness.registry.updateDevice(DeviceRequest(deviceID: "d01", status: .disabled), ifMatch: "*")
        _ = harness.connect(IdentityKey(deviceID: "d02"))
        let disabled = try await Self.all(harness, "SELECT * FROM devices WHERE status = 'disabled'")
        #expect(Self.ids(disabled.rows) == ["d01"])
        let connected = try await Self.all(harness, "SELECT deviceId FROM devices WHERE connectionState = 'Connected'")
        #expect(connected.rows == [["deviceId": "d02"]])
    }

    @Test("the value index answers what a scan answers, through twin writes and deletions after it was built")
    func indexAgreesWithScan() async throws {
        let harness = try await Self.fleet(9)
        // The first query builds the index of tags.site; `tags.site > ''` cannot use it (a scan).
        _ = try await Self.all(harness, "SELECT * FROM devices WHERE tags.site = 's0'")
        _ = try await harness.twins.updateTwin(IdentityKey(deviceID: "d01"), TwinUpdate(tags: ["site": "s0"]), ifMatch: nil)
        _ = try await harness.twins.updateTwin(IdentityKey(deviceID: "d03"), TwinUpdate(tags: ["site": nil]), ifMatch: nil)
        try await harness.registry.deleteDevice("d06", ifMatch: nil)
        _ = try await harness.registry.createDevice(DeviceRequest(deviceID: "d06"))  // a new identity: its old twin is gone
        for site in ["s0", "s1", "s2"] {
            let indexed = try await Self.all(harness, "SELECT * FROM devices WHERE tags.site = '\(site)'")
            let scanned = try await Self.all(harness, "SELECT * FROM devices WHERE tags.site >= '\(site)' AND tags.site <= '\(site)'")
            #expect(Self.ids(indexed.rows) == Self.ids(scanned.rows), "site \(site)")
        }
        let s0 = try await Self.all(harness, "SELECT * FROM devices WHERE tags.site IN ['s0']")
        #expect(Self.ids(s0.rows) == ["d00", "d01"])
    }

    @Test("twins stored before the first query are read from the store; a new service over the same store sees them")
    func filledFromStore() async throws {
        let harness = try await Self.fleet(4)
        let fresh = DeviceTwins(store: harness.store, registry: harness.registry, clock: harness.clock, telemetry: harness.sink)
        let rows = try await HubQuery(registry: harness.registry, twins: fresh).page("SELECT * FROM devices WHERE tags.site = 's0'",
                                                                                     pageRows: nil, continuation: nil).rows
        #expect(Self.ids(rows) == ["d00", "d03"])
    }

    @Test("invalid queries are ArgumentInvalid with the position")
    func invalid() async throws {
        let harness = try await Self.fleet(1)
        do {
            _ = try await Self.query(harness).page("SELECT * FROM nowhere", pageRows: nil, continuation: nil)
            Issue.record("accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.message.contains("nowhere"))
        }
        await #expect(throws: HubError.self) {
            _ = try await Self.query(harness).page(String(repeating: "x", count: 9000), pageRows: nil, continuation: nil)
        }
    }
}

@Suite("Hub query: conditions that select identities")
struct HubQueryConditionTests {
    @Test("'*', a bare condition, and FROM devices.modules WHERE …; refusals are ArgumentInvalid")
    func conditions() async throws {
        let harness = try await HubQueryTests.fleet(4)
        let query = HubQueryTests.query(harness)
        #expect(try await query.identities(matching: "*").map(\.deviceID) == ["d00", "d01", "d02", "d03", "dev1"])
        #expect(try await query.identities(matching: "tags.site = 's0'").map(\.deviceID) == ["d00", "d03"])
        #expect(try await query.identities(matching: "deviceId IN ['d02', 'nope']") == [IdentityKey(deviceID: "d02")])
        #expect(try await query.identities(matching: "FROM devices.modules WHERE moduleId = 'm1'")
                == [IdentityKey(deviceID: "d00", moduleID: "m1"), IdentityKey(deviceID: "dev1", moduleID: "m1")])
        await #expect(throws: HubError.self) { _ = try await query.identities(matching: "tags.site = ") }
        await #expect(throws: HubError.self) { _ = try await query.identities(matching: "FROM devices.jobs") }
    }
}
