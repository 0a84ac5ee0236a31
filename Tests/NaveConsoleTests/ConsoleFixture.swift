import Foundation
import Logging
import NaveAuth
import NaveConsole
import NaveCore
import NaveHTTP
import NaveModel
import NaveTestSupport

/// A console over an in-memory hub, driven request by request without sockets, with a cookie
/// jar of one session as a browser keeps it.
struct ConsoleFixture {
    static let now: Int64 = 1_700_000_000
    let registry: IdentityRegistry
    let hub: Hub
    let clock: ManualClock
    let console: Console

    static func make(limits: ConsoleLimits = ConsoleLimits()) async throws -> ConsoleFixture {
        let clock = ManualClock(Timestamp(secondsSinceEpoch: now))
        let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SeededHubRandom())
        let hub = try await Hub.inMemory(registry: registry, clock: clock, scheduler: ManualScheduler(), random: SeededHubRandom(),
                                         telemetry: InMemoryTelemetrySink(clock: clock))
        var logger = Logger(label: "nave.console.test")
        logger.logLevel = .error
        let console = Console(hub: hub, random: SeededHubRandom(seed: 7), limits: limits,
                              node: ConsoleNode(metrics: ConsoleMetrics(samplesMax: 10)), logger: logger)
        return ConsoleFixture(registry: registry, hub: hub, clock: clock, console: console)
    }

    /// The policy's connection string, as `nave` prints it.
    func connectionString(policy: String, key: String? = nil) -> String {
        let key = key ?? registry.policy(named: policy)!.primaryKey
        return "HostName=localhost;SharedAccessKeyName=\(policy);SharedAccessKey=\(key)"
    }

    func send(_ method: String, _ target: String, form: [(String, String)]? = nil, cookie: String? = nil) async -> HTTPResponse {
        var headers: HTTPHeaders = ["Host": "localhost"]
        if let cookie { headers.add(name: "Cookie", value: "other=1; nave-console=\(cookie)") }
        var body: [UInt8] = []
        if let form {
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            body = Array(form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&").utf8)
        }
        return await console.respond(to: HTTPRequest(head: HTTPRequestHead(method: method, target: target, headers: headers), body: body))
    }

    /// Signs in; the session id from `Set-Cookie`, or nil when refused.
    func signIn(_ connectionString: String) async -> (response: HTTPResponse, session: String?) {
        let response = await send("POST", "/console/signin", form: [("connectionString", connectionString)])
        guard let cookie = response.headers["Set-Cookie"], cookie.hasPrefix("nave-console=") else { return (response, nil) }
        let value = cookie.dropFirst("nave-console=".count).prefix { $0 != ";" }
        return (response, String(value))
    }

    /// Signs in as `policy` and reads the CSRF token from the first page's forms.
    func session(policy: String) async throws -> Browser {
        let (_, id) = await signIn(connectionString(policy: policy))
        guard let id else { throw FixtureError("sign-in refused for \(policy)") }
        let page = await send("GET", "/console/devices", cookie: id)
        guard let token = Self.csrfToken(in: page.text) else { throw FixtureError("no CSRF token on the page") }
        return Browser(fixture: self, session: id, csrf: token)
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                encoded.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: " "): encoded += "+"
            default:
                let hex = Array("0123456789ABCDEF")
                encoded += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])"
            }
        }
        return encoded
    }
}

/// One signed-in browser.
struct Browser {
    let fixture: ConsoleFixture
    let session: String
    let csrf: String

    func get(_ target: String) async -> HTTPResponse { await fixture.send("GET", target, cookie: session) }

    /// A POST with this session's CSRF token (or `csrf` instead, for forgeries).
    func post(_ target: String, _ form: [(String, String)], csrf: String?? = .none) async -> HTTPResponse {
        var fields = form
        switch csrf {
        case .none: fields.append(("csrf", self.csrf))
        case .some(let token?): fields.append(("csrf", token))
        case .some(nil): break
        }
        return await fixture.send("POST", target, form: fields, cookie: session)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
