import Foundation
import NaveConsole
import NaveCore
import NaveHTTP
import NaveModel
import Testing

/// Sign-in with a policy connection string, the session cookie, its lifetime, and what ends it.
@Suite("Console sessions")
struct ConsoleSessionTests {
    @Test("a good policy connection string signs in with an HttpOnly, Secure, SameSite=Strict cookie for /console")
    func goodSignIn() async throws {
        let fixture = try await ConsoleFixture.make()
        let (response, session) = await fixture.signIn(fixture.connectionString(policy: "iothubowner"))
        #expect(response.status == 303)
        #expect(response.headers["Location"] == "/console")
        let cookie = try #require(response.headers["Set-Cookie"])
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console", "Max-Age=3600"] {
            #expect(cookie.contains(attribute), "cookie lacks \(attribute): \(cookie)")
        }
        let id = try #require(session)
        #expect(id.count == 64)
        let page = await fixture.send("GET", "/console/devices", cookie: id)
        #expect(page.status == 200)
        #expect(page.text.contains("iothubowner"))
    }

    @Test("a wrong key, another hub, a device string or garbage is refused with 401 and no cookie",
          arguments: ["wrong key", "other hub", "device", "garbage"])
    func badSignIn(_ kind: String) async throws {
        let fixture = try await ConsoleFixture.make()
        let text = switch kind {
        case "wrong key": fixture.connectionString(policy: "iothubowner", key: "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")
        case "other hub": fixture.connectionString(policy: "iothubowner").replacingOccurrences("localhost", "elsewhere")
        case "device": "HostName=localhost;DeviceId=d1;SharedAccessKey=\(fixture.registry.policy(named: "iothubowner")!.primaryKey)"
        default: "not a connection string"
        }
        let (response, session) = await fixture.signIn(text)
        #expect(response.status == 401)
        #expect(session == nil)
        #expect(response.text.contains("id=\"error\""))
    }

    @Test("without a session a page redirects to sign-in and a POST is refused")
    func noSession() async throws {
        let fixture = try await ConsoleFixture.make()
        let page = await fixture.send("GET", "/console/devices")
        #expect(page.status == 303)
        #expect(page.headers["Location"] == "/console/signin")
        let forged = await fixture.send("POST", "/console/devices", form: [("deviceId", "x"), ("csrf", "00")], cookie: "f00d")
        #expect(forged.status == 403)
        #expect(fixture.registry.device("x") == nil)
    }

    @Test("a session ends after console.sessionLifetimeSeconds")
    func expiry() async throws {
        var limits = ConsoleLimits()
        limits.sessionLifetimeSeconds = 60
        let fixture = try await ConsoleFixture.make(limits: limits)
        let browser = try await fixture.session(policy: "iothubowner")
        fixture.clock.advance(seconds: 59)
        #expect(await browser.get("/console/devices").status == 200)
        fixture.clock.advance(seconds: 2)
        #expect(await browser.get("/console/devices").status == 303)
    }

    @Test("regenerating the key a session signed in with ends the session, as it ends that key's tokens")
    func keyRegenerated() async throws {
        let fixture = try await ConsoleFixture.make()
        let browser = try await fixture.session(policy: "registryReadWrite")
        _ = try await fixture.registry.regenerateKey(policy: "registryReadWrite", slot: .primary)
        #expect(await browser.get("/console/devices").status == 303)
    }

    @Test("signing out ends the session and clears the cookie")
    func signOut() async throws {
        let fixture = try await ConsoleFixture.make()
        let browser = try await fixture.session(policy: "iothubowner")
        let response = await browser.post("/console/signout", [])
        #expect(response.status == 303)
        #expect(response.headers["Set-Cookie"]?.contains("Max-Age=0") == true)
        #expect(await browser.get("/console/devices").status == 303)
    }

    @Test("sessions beyond console.sessionsMax push out the oldest")
    func sessionsBounded() async throws {
        var limits = ConsoleLimits()
        limits.sessionsMax = 2
        let fixture = try await ConsoleFixture.make(limits: limits)
        let first = try await fixture.session(policy: "iothubowner")
        fixture.clock.advance(seconds: 1)
        _ = try await fixture.session(policy: "iothubowner")
        fixture.clock.advance(seconds: 1)
        let third = try await fixture.session(policy: "iothubowner")
        #expect(await first.get("/console/devices").status == 303)
        #expect(await third.get("/console/devices").status == 200)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
