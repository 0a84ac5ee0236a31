import Foundation
import NaveNode
@testable import NaveServiceAPI
import Testing

/// Issue #16's REST logs, read back as the node writes them (JSON lines): an access line per
/// request with the route template and the policy, a refusal's reason, an audit line per
/// registry change, and never a token.
@Suite("Service API: access and audit logs")
struct AccessLogTests {
    /// The captured lines as objects, those of `label` only.
    static func objects(_ logs: CapturedLogLines, label: String) -> [[String: Any]] {
        logs.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["label"] as? String == label }
    }

    @Test("a 200 and a 401 each get one nave.access line: method, route template, status, duration, policy, and the 401's reason")
    func accessLines() async throws {
        let logs = CapturedLogLines()
        let fixture = try await APIFixture.make(logs: logs)
        #expect(try await fixture.send("PUT", "/devices/dev1", body: #"{"deviceId":"dev1"}"#).status == 200)
        #expect(try await fixture.send("GET", "/devices/dev1").status == 200)
        #expect(try await fixture.send("GET", "/devices/dev1", authorization: .some(nil)).status == 401)
        let lines = Self.objects(logs, label: "nave.access")
        #expect(lines.count == 3)
        let ok = try #require(lines.dropFirst().first)
        #expect(ok["level"] as? String == "info" && ok["message"] as? String == "request")
        #expect(ok["method"] as? String == "GET" && ok["route"] as? String == "/devices/{id}" && ok["status"] as? String == "200")
        #expect(ok["policy"] as? String == "iothubowner" && ok["durationMillis"] as? String == "0" && ok["reason"] == nil)
        let refused = try #require(lines.last)
        #expect(refused["status"] as? String == "401" && refused["policy"] as? String == "-")
        #expect(refused["reason"] as? String == "The request has no Authorization header.")
    }

    @Test("no line carries any part of the SAS token a request was signed with")
    func noTokenInLogs() async throws {
        let logs = CapturedLogLines()
        let fixture = try await APIFixture.make(logs: logs)
        let token = try fixture.authorization()
        let signature = try #require(token.split(separator: "&").first { $0.hasPrefix("sig=") }).dropFirst(4)
        _ = try await fixture.send("PUT", "/devices/dev1", body: #"{"deviceId":"dev1"}"#, authorization: .some(token))
        _ = try await fixture.send("GET", "/devices/dev1", authorization: .some(token + "x"))
        _ = try await fixture.send("GET", "/devices/dev1", authorization: .some("SharedAccessSignature garbage=" + signature))
        #expect(logs.all.count >= 3)
        for line in logs.all {
            #expect(!line.contains(token) && !line.contains(String(signature)) && !line.contains(signature.removingPercentEncoding ?? "?"), "\(line)")
        }
    }

    @Test("creating and deleting a device each write a nave.audit notice naming the policy and the device")
    func auditLines() async throws {
        let logs = CapturedLogLines()
        let fixture = try await APIFixture.make(logs: logs)
        #expect(try await fixture.send("PUT", "/devices/dev9", body: #"{"deviceId":"dev9"}"#).status == 200)
        #expect(try await fixture.send("GET", "/devices/dev9").status == 200)
        #expect(try await fixture.send("DELETE", "/devices/dev9", headers: [("If-Match", "*")]).status == 204)
        let lines = Self.objects(logs, label: "nave.audit")
        #expect(lines.map { $0["method"] as? String } == ["PUT", "DELETE"], "reads are not audited")
        for line in lines {
            #expect(line["level"] as? String == "notice" && line["message"] as? String == "registry change")
            #expect(line["policy"] as? String == "iothubowner" && line["resource"] as? String == "/devices/dev9")
        }
    }

    @Test("route templates keep the API's words and hide identifiers")
    func templates() {
        #expect(RouteTemplate.of("/devices/dev1/modules/m1") == "/devices/{id}/modules/{id}")
        #expect(RouteTemplate.of("/twins/dev1/methods") == "/twins/{id}/methods")
        #expect(RouteTemplate.of("/messages/devicebound/abc/abandon") == "/messages/devicebound/{id}/abandon")
        #expect(RouteTemplate.of("/devices/dev1/messages/deviceBound/tok") == "/devices/{id}/messages/deviceBound/{id}",
                "words match whatever their case")
        #expect(RouteTemplate.of("/") == "/")
        #expect(RouteTemplate.of("//devices//d1/") == "/devices/{id}", "empty segments are skipped")
        #expect(RouteTemplate.of("/a/b/c/d/e/f/g/h") == "/{id}/{id}/{id}/{id}/{id}/{id}/{id}/{id}", "eight segments: all of them")
        #expect(RouteTemplate.of("/a/b/c/d/e/f/g/h/i/j") == "/{id}/{id}/{id}/{id}/{id}/{id}/{id}/{id}/…", "more: cut after eight")
        #expect(RouteTemplate.of("/METHODSX/methods") == "/{id}/methods", "a word must match whole")
    }
}
