@testable import NaveNode
import NaveIO
import Testing

@Suite("Webhook URL")
struct WebhookURLTests {
    @Test("names, addresses, ports and paths are taken apart; the Host header leaves out the scheme's port")
    func parts() throws {
        let named = try #require(WebhookURL("https://hooks.example.com/in?k=1"))
        #expect(named.isTLS && named.host == "hooks.example.com" && named.port == 443 && named.target == "/in?k=1")
        #expect(named.hostHeader == "hooks.example.com")
        let v6 = try #require(WebhookURL("http://[::1]:8080"))
        #expect(!v6.isTLS && v6.host == "::1" && v6.port == 8080 && v6.target == "/" && v6.hostHeader == "[::1]:8080")
        #expect(WebhookURL("http://127.0.0.1:9?x")?.target == "/?x")
    }

    @Test("what is no URL of a web service is refused", arguments: [
        "ftp://host/", "http://", "http://host:0/", "http://host:70000/", "http://host:x/", "http://[::1/",
        "http://ho st/", "http://host\r\nX: y/", "http://" + String(repeating: "a", count: 254) + "/",
    ])
    func refused(_ text: String) {
        #expect(WebhookURL(text) == nil)
    }

    @Test("a name resolves on a thread of its own; a bad name says why")
    func resolution() async throws {
        let local = try await HostNameResolution.addresses(of: "localhost", port: 80).get()
        #expect(local.first?.host == "127.0.0.1" && local.first?.port == 80)
        guard case .failure(let failure) = await HostNameResolution.addresses(of: "no-such-host.invalid", port: 80) else {
            Issue.record("an .invalid name resolved")
            return
        }
        #expect(failure.description.contains("no-such-host.invalid"))
    }
}
