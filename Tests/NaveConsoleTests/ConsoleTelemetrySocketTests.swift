import Foundation
import NaveConsole
import NaveCore
import NaveHTTP
import NaveModel
import Testing

/// The live telemetry WebSocket's opening: the session is found by its CSRF token (the socket
/// never sees the cookie), and anything else is refused with the close code a browser shows.
@Suite("Console telemetry socket")
struct ConsoleTelemetrySocketTests {
    static func opening(csrf: String?, device: String = "", from: String = "latest") -> [UInt8] {
        var members: [(String, JSONValue)] = [("device", .string(device)), ("from", .string(from))]
        if let csrf { members.append(("csrf", .string(csrf))) }
        return JSONValue.object(JSONObject(members)).serialized()
    }

    static func refusal(_ fixture: ConsoleFixture, _ opening: [UInt8]) -> ConsoleSocketClose? {
        do {
            _ = try fixture.console.openTelemetryStream(opening)
            return nil
        } catch {
            return error
        }
    }

    @Test("the session is found by its CSRF token among several, and only by the whole token")
    func lookupByToken() async throws {
        let fixture = try await ConsoleFixture.make()
        let first = try await fixture.session(policy: "iothubowner")
        let second = try await fixture.session(policy: "iothubowner")
        #expect(Self.refusal(fixture, Self.opening(csrf: first.csrf)) == nil)
        #expect(Self.refusal(fixture, Self.opening(csrf: second.csrf, device: "d1")) == nil)
        var wrong = Array(first.csrf)
        wrong[wrong.count - 1] = wrong.last == "0" ? "1" : "0"
        for token in [String(wrong), String(first.csrf.dropLast()), "", String(repeating: "0", count: 64)] {
            let close = try #require(Self.refusal(fixture, Self.opening(csrf: token)), "token \(token) was accepted")
            #expect(close.code == .policyViolation)
        }
    }

    @Test("an expired or signed-out session, or a policy without ServiceConnect, is refused with 1008")
    func refusedSessions() async throws {
        var limits = ConsoleLimits()
        limits.sessionLifetimeSeconds = 60
        let fixture = try await ConsoleFixture.make(limits: limits)
        let reader = try await fixture.session(policy: "registryRead")
        let close = try #require(Self.refusal(fixture, Self.opening(csrf: reader.csrf)))
        #expect(close.code == .policyViolation)
        #expect(close.reason.contains("ServiceConnect"))

        let owner = try await fixture.session(policy: "iothubowner")
        fixture.clock.advance(seconds: 61)
        #expect(Self.refusal(fixture, Self.opening(csrf: owner.csrf))?.code == .policyViolation)

        let later = try await fixture.session(policy: "iothubowner")
        var stream = try fixture.console.openTelemetryStream(Self.opening(csrf: later.csrf))
        #expect(await later.post("/console/signout", []).status == 303)
        var ended: ConsoleSocketClose?
        do {
            _ = try await stream.next()
        } catch {
            ended = error
        }
        #expect(ended?.code == .policyViolation)
    }

    @Test("openings that are not bounded JSON objects with the three fields are refused with 1007",
          arguments: ["not json", "[]", "{\"csrf\":1}", "{\"csrf\":{\"a\":\"b\"}}", "long device", "long from", "bad from", "huge"])
    func invalidOpenings(_ kind: String) async throws {
        let fixture = try await ConsoleFixture.make()
        let browser = try await fixture.session(policy: "iothubowner")
        let opening: [UInt8] = switch kind {
        case "long device": Self.opening(csrf: browser.csrf, device: String(repeating: "d", count: 129))
        case "long from": Self.opening(csrf: browser.csrf, from: String(repeating: "1", count: 65))
        case "bad from": Self.opening(csrf: browser.csrf, from: "yesterday")
        case "huge": Self.opening(csrf: browser.csrf + String(repeating: " ", count: ConsoleTelemetrySocket.openingBytesMax))
        default: Array(kind.utf8)
        }
        #expect(Self.refusal(fixture, opening)?.code == .invalidPayloadData)
    }
}
