import Glibc
import NaveAuth
import NaveIO

/// The back end of the direct-method scenario: keep-alive HTTPS/1.1 connections to the hub's
/// REST API, each with one `POST /twins/{id}/methods` outstanding (contract §4.2), devices taken
/// round-robin. Latency is request written → response read, into the fleet's histogram; the
/// fleet's devices answer the calls.
///
/// A minimal client on purpose: requests are encoded once per device, responses are framed by
/// Content-Length (what Nave sends), and nothing but the status is read.
final class MethodCalls {
    unowned let fleet: HubFleet
    /// One encoded request per device, in the fleet's device order.
    let requests: [[UInt8]]
    var callers: [MethodCaller] = []
    var running = false
    private var nextDevice = 0

    init(fleet: HubFleet, serviceKey: String, responseTimeoutSeconds: Int) throws {
        self.fleet = fleet
        let token = try SASToken.serviceToken(hostName: HubDevices.hostName, keyName: "iothubowner", key: serviceKey,
                                              expiry: Int64(time(nil)) + 3600)
        let body = "{\"methodName\":\"bench\",\"payload\":{\"n\":1},\"responseTimeoutInSeconds\":\(responseTimeoutSeconds)}"
        requests = fleet.devices.map { device in
            Array(("POST /twins/\(HubDevices.id(device.index))/methods?api-version=2021-04-12 HTTP/1.1\r\n"
                + "Host: \(HubDevices.hostName)\r\nAuthorization: \(token)\r\n"
                + "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
        }
    }

    /// Opens `count` connections (TLS to the HTTPS listener); they start calling once `running`.
    func open(count: Int, address: SocketAddress, tls: TLSContext, loop: EventLoop) {
        for _ in 0..<count {
            let caller = MethodCaller(calls: self)
            callers.append(caller)
            loop.connect(to: address, tls: tls, handler: caller)
        }
    }

    var connected: Int { callers.filter(\.isConnected).count }

    func start() {
        running = true
        let now = monotonicNanos()
        for caller in callers { caller.callIfIdle(now: now) }
    }

    func nextRequest() -> [UInt8] {
        defer { nextDevice = nextDevice + 1 == requests.count ? 0 : nextDevice + 1 }
        return requests[nextDevice]
    }

    func closeAll() {
        running = false
        for caller in callers { caller.close() }
    }
}

/// One keep-alive HTTPS connection of `MethodCalls`.
final class MethodCaller: ConnectionHandler {
    unowned let calls: MethodCalls
    private var connection: Connection?
    private(set) var isConnected = false
    private var outstanding = false
    private var sentNanos: Int64 = 0
    private var received: [UInt8] = []

    init(calls: MethodCalls) { self.calls = calls }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        isConnected = true
        callIfIdle(now: monotonicNanos())
    }

    func callIfIdle(now: Int64) {
        guard calls.running, isConnected, !outstanding, let connection else { return }
        outstanding = true
        sentNanos = now
        calls.fleet.sent += 1
        calls.nextRequest().withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        guard let (status, length) = Self.frame(received) else { return }
        let now = monotonicNanos()
        let fleet = calls.fleet
        // 200 with the device's status 200 in the body (§4.3) is a completed round trip.
        let ok = status == 200 && Self.contains(received, Array("\"status\":200".utf8))
        if ok { fleet.completed += 1 } else {
            fleet.failedResponses += 1
            fleet.lastError = "method call: HTTP \(status) \(String(decoding: received.prefix(length).suffix(160), as: UTF8.self))"
        }
        if fleet.recording { _ = fleet.latency.record(UInt64(max(0, now - sentNanos))) }
        received.removeSubrange(0..<length)
        outstanding = false
        callIfIdle(now: now)
    }

    /// (status, whole response length) once a response with its Content-Length body is in.
    static func frame(_ bytes: [UInt8]) -> (Int, Int)? {
        guard bytes.count >= 16 else { return nil }
        var headEnd = -1
        for index in 3..<bytes.count where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            headEnd = index + 1
            break
        }
        guard headEnd > 0 else { return nil }
        let status = (Int(bytes[9]) - 48) * 100 + (Int(bytes[10]) - 48) * 10 + (Int(bytes[11]) - 48)
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self).lowercased()
        var length = 0
        if let range = head.range(of: "\r\ncontent-length:") {
            length = Int(head[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }) ?? 0
        }
        return bytes.count >= headEnd + length ? (status, headEnd + length) : nil
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    func close() { connection?.close() }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        isConnected = false
        self.connection = nil
        if reason != .local {
            calls.fleet.unexpectedCloses += 1
            calls.fleet.lastError = "method caller closed by \(reason)"
        }
    }
}
