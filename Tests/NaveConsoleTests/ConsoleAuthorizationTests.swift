import Foundation
import NaveConsole
import NaveCore
import NaveHTTP
import NaveModel
import Testing

/// CSRF tokens on every change, and the policy's rights on every page and action: a read-only
/// policy sees no change buttons and a POST it forges is refused.
@Suite("Console authorization")
struct ConsoleAuthorizationTests {
    @Test("a POST with a missing or another session's CSRF token is refused and changes nothing")
    func csrf() async throws {
        let fixture = try await ConsoleFixture.make()
        let browser = try await fixture.session(policy: "iothubowner")
        let other = try await fixture.session(policy: "iothubowner")
        #expect(browser.csrf != other.csrf)
        #expect(await browser.post("/console/devices", [("deviceId", "d1")], csrf: .some(nil)).status == 403)
        #expect(await browser.post("/console/devices", [("deviceId", "d1")], csrf: other.csrf).status == 403)
        #expect(await browser.post("/console/devices", [("deviceId", "d1")], csrf: String(repeating: "0", count: 64)).status == 403)
        #expect(fixture.registry.device("d1") == nil)
        let created = await browser.post("/console/devices", [("deviceId", "d1")])
        #expect(created.status == 303)
        #expect(created.headers["Location"] == "/console/devices/d1")
        #expect(fixture.registry.device("d1") != nil)
    }

    @Test("a registryRead policy sees devices and twins without change buttons, and its forged POSTs get 403")
    func readOnly() async throws {
        let fixture = try await ConsoleFixture.make()
        let owner = try await fixture.session(policy: "iothubowner")
        _ = await owner.post("/console/devices", [("deviceId", "d1")])
        let reader = try await fixture.session(policy: "registryRead")
        let list = await reader.get("/console/devices")
        #expect(list.status == 200)
        #expect(list.text.contains("d1"))
        #expect(!list.text.contains("create-device"))
        let device = await reader.get("/console/devices/d1")
        #expect(device.status == 200)
        for button in ["id=\"disable\"", "id=\"delete\"", "regenerate-primary", "create-module", "open-methods"] {
            #expect(!device.text.contains(button), "a read-only page shows \(button)")
        }
        let twin = await reader.get("/console/devices/d1/twin")
        #expect(twin.status == 200)
        #expect(!twin.text.contains("save-twin"))
        for (target, form) in [("/console/devices", [("deviceId", "d2")]), ("/console/devices/d1/update", [("action", "delete")]),
                               ("/console/devices/d1/update", [("action", "disable")]),
                               ("/console/devices/d1/twin", [("tags", "{}"), ("desired", "{\"a\":1}")]),
                               ("/console/devices/d1/messages", [("body", "hi")]),
                               ("/console/devices/d1/methods", [("methodName", "reboot")])] {
            #expect(await reader.post(target, form).status == 403, "\(target) was not refused")
        }
        #expect(fixture.registry.device("d2") == nil)
        #expect(fixture.registry.device("d1")?.status == .enabled)
        #expect(await reader.get("/console/telemetry").status == 403)
    }

    @Test("the owner's device page shows keys only when asked to reveal them")
    func keysRevealedOnRequest() async throws {
        let fixture = try await ConsoleFixture.make()
        let owner = try await fixture.session(policy: "iothubowner")
        _ = await owner.post("/console/devices", [("deviceId", "d1")])
        let key = try #require(fixture.registry.device("d1")?.authentication.primaryKey)
        let hidden = await owner.get("/console/devices/d1")
        #expect(!hidden.text.contains(key))
        #expect(hidden.text.contains("reveal-keys"))
        let shown = await owner.get("/console/devices/d1?reveal=1")
        #expect(shown.text.contains(key))
        #expect(shown.text.contains("HostName=localhost;DeviceId=d1;SharedAccessKey=\(key)"))
        _ = await owner.post("/console/devices/d1/update", [("action", "regenerate-primary")])
        #expect(fixture.registry.device("d1")?.authentication.primaryKey != key)
    }

    @Test("a twin edit with a stale etag is refused as a conflict and changes nothing")
    func twinConflict() async throws {
        let fixture = try await ConsoleFixture.make()
        let owner = try await fixture.session(policy: "iothubowner")
        _ = await owner.post("/console/devices", [("deviceId", "d1")])
        let page = await owner.get("/console/devices/d1/twin")
        let etag = try #require(Self.value(of: "etag", in: page.text))
        let saved = await owner.post("/console/devices/d1/twin", [("etag", etag), ("tags", "{\"site\":\"north\"}"), ("desired", "{\"rate\":5}")])
        #expect(saved.status == 303)
        let twin = try await fixture.hub.twins.twin(IdentityKey(deviceID: "d1"))
        #expect(twin.tags["site"] == .string("north"))
        let stale = await owner.post("/console/devices/d1/twin", [("etag", etag), ("tags", "{}"), ("desired", "{\"rate\":9}")])
        #expect(stale.status == 409)
        #expect(stale.text.contains("Conflict"))
        let after = try await fixture.hub.twins.twin(IdentityKey(deviceID: "d1"))
        #expect(after.tags["site"] == .string("north"))
    }

    @Test("the device search becomes a query with quoted values; a quote in an id cannot change its shape")
    func searchQuoting() async throws {
        let fixture = try await ConsoleFixture.make()
        let owner = try await fixture.session(policy: "iothubowner")
        for id in ["north-1", "north-2", "south-1"] { _ = await owner.post("/console/devices", [("deviceId", id)]) }
        let north = await owner.get("/console/devices?id=north-1")
        #expect(north.text.contains(">north-1<") && !north.text.contains(">north-2<") && !north.text.contains(">south-1<"))
        let disabled = await owner.get("/console/devices?status=disabled")
        #expect(disabled.text.contains("No device matches."))
        let injected = await owner.get("/console/devices?id=" + ConsoleFixture.encode("x' OR deviceId != '"))
        #expect(injected.status == 200)
        #expect(!injected.text.contains(">north-1<"))
    }

    @Test("the device list pages with the query's continuation")
    func paging() async throws {
        var limits = ConsoleLimits()
        limits.devicePageRowsMax = 10
        let fixture = try await ConsoleFixture.make(limits: limits)
        let owner = try await fixture.session(policy: "iothubowner")
        for index in 0..<25 { _ = await owner.post("/console/devices", [("deviceId", "d\(index)")]) }
        var seen = 0
        var target: String? = "/console/devices"
        var pages = 0
        while let next = target, pages < 5 {
            let page = await owner.get(next)
            seen += page.text.components("status-enabled") 
            target = Self.value(ofLink: "next-page", in: page.text)
            pages += 1
        }
        #expect(pages == 3)
        #expect(seen == 25)
    }

    /// A hidden input's value.
    static func value(of name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The href of the link with this id (`href="…" id="…"`), entities decoded.
    static func value(ofLink id: String, in html: String) -> String? {
        guard let end = html.range(of: "\" id=\"\(id)\"") else { return nil }
        let before = html[..<end.lowerBound]
        guard let start = before.range(of: "href=\"", options: .backwards) else { return nil }
        return String(before[start.upperBound...]).replacingOccurrences("&amp;", "&").replacingOccurrences("&#x3D;", "=").replacingOccurrences("&#61;", "=")
    }
}

extension String {
    func components(_ separator: String) -> Int { split(separator: separator, omittingEmptySubsequences: false).count - 1 }
}
