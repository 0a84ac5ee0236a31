import Foundation
import Logging
import NaveAuth
import NaveCore
import NaveHTTP
import NaveTestSupport
import NaveModel
import NaveNode
import NaveServiceAPI
import Synchronization


/// A logger that stays quiet unless something is badly wrong.
func quietLogger(_ label: String = "nave.test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .error
    return logger
}

let apiVersion = "api-version=2021-04-12"
let testKeyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
let testKeyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="

/// A response as a client sees it, its JSON read by Foundation's parser (independent of the
/// hub's own serializer).
struct Reply {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    init(_ response: HTTPResponse) {
        status = response.status
        headers = response.headers
        body = response.body
    }

    init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    var json: Any? { body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    var object: [String: Any]? { json as? [String: Any] }
    var array: [[String: Any]]? { json as? [[String: Any]] }
    subscript(_ key: String) -> Any? { object?[key] }

    /// IoT Hub's error body (contract §4.5): `{"Message":"<JSON text>","ExceptionMessage":""}`,
    /// the detail document parsed out of the `Message` string.
    var errorDetail: [String: Any]? {
        guard let object, object.count == 2, object["ExceptionMessage"] as? String == "",
              let message = object["Message"] as? String,
              let detail = try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any] else { return nil }
        return detail
    }

    /// `errorCode` from the detail document, e.g. 404001.
    var errorCode: Int? { errorDetail?["errorCode"] as? Int }

    /// The `iothub-errorcode` header.
    var errorName: String? { headers["iothub-errorcode"] }
}

/// `ServiceAPI` over an in-memory registry on a manual clock, called directly with requests
/// built by hand: the REST surface without sockets.
struct APIFixture {
    static let now: Int64 = 1_700_000_000
    let registry: IdentityRegistry
    let clock: ManualClock
    let api: ServiceAPI
    /// One keep-alive connection: every request comes from it, so a token that verified once is
    /// remembered (`ServiceTokenCache`) as it is over a socket.
    let peer = HTTPPeer(address: "127.0.0.1:50000")

    /// `logs`, when given, receives every line of the API's loggers (the node's, `nave.access`,
    /// `nave.audit`) as the node's JSON format writes them, at every level.
    static func make(logs: CapturedLogLines? = nil) async throws -> APIFixture {
        let clock = ManualClock(Timestamp(secondsSinceEpoch: now))
        let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SeededHubRandom())
        let hub = try await Hub.inMemory(registry: registry, clock: clock, scheduler: ManualScheduler(), random: SeededHubRandom(),
                                         telemetry: InMemoryTelemetrySink(clock: clock))
        guard let logs else { return APIFixture(registry: registry, clock: clock, api: ServiceAPI(hub: hub, logger: quietLogger())) }
        func logger(_ label: String) -> Logger {
            var logger = Logger(label: label) { label in JSONLogHandler(label: label, clock: clock, sink: logs) }
            logger.logLevel = .trace
            return logger
        }
        return APIFixture(registry: registry, clock: clock,
                          api: ServiceAPI(hub: hub, logger: logger("nave"), accessLog: logger("nave.access"), auditLog: logger("nave.audit")))
    }

    /// An `Authorization` value signed by `policy`'s primary key, as azure-iot-hub signs it.
    func authorization(policy: String = "iothubowner", host: String = "localhost") throws -> String {
        guard let key = registry.policy(named: policy)?.primaryKey else { throw FixtureError("no policy \(policy)") }
        return try SASToken.serviceToken(hostName: host, keyName: policy, key: key, expiry: clock.now().secondsSinceEpoch + 3600)
    }

    /// Sends one request. `query` goes after `?` as is; `authorization` defaults to an
    /// iothubowner token, `.some(nil)` sends none; `peer` defaults to the fixture's one connection.
    func send(_ method: String, _ path: String, query: String? = apiVersion, body: String? = nil,
              headers extra: [(String, String)] = [], authorization: String?? = .none, peer: HTTPPeer? = nil) async throws -> Reply {
        var headers: HTTPHeaders = ["Host": "localhost", "Accept": "application/json"]
        let token: String? = switch authorization {
        case .none: try self.authorization()
        case .some(let given): given
        }
        if let token { headers.add(name: "Authorization", value: token) }
        if body != nil { headers.add(name: "Content-Type", value: "application/json; charset=utf-8") }
        for (name, value) in extra { headers.add(name: name, value: value) }
        let target = query.map { "\(path)?\($0)" } ?? path
        let request = HTTPRequest(head: HTTPRequestHead(method: method, target: target, headers: headers),
                                  body: Array((body ?? "").utf8))
        return Reply(await api.respond(to: request, from: peer ?? self.peer))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A live connection that records revocations instead of closing a socket.
final class RecordingConnection: LiveConnection {
    private let revocations = Mutex<[RevocationReason]>([])
    func revoke(_ reason: RevocationReason) { revocations.withLock { $0.append(reason) } }
    func deliver(_ delivery: DeviceDelivery) {}
    var revoked: [RevocationReason] { revocations.withLock { $0 } }
}
