import Glibc
import NaveAuth
import NaveIO

/// The back end of the direct-method and C2D scenarios: keep-alive HTTPS/1.1 connections to the
/// hub's REST API, each with one call outstanding, devices taken round-robin — direct methods
/// (`POST /twins/{id}/methods`, contract §4.2: latency is request written → response read, the
/// fleet's devices answer) or C2D sends (Nave's `POST /messages/devicebound/{id}`: the body
/// carries the send time, latency is measured by the device that receives it).
///
/// A minimal client on purpose: requests are encoded once per device (a C2D send gets its time
/// patched in), responses are framed by Content-Length (what Nave sends), only the status is read.
final class ServiceCalls {
    enum Kind { case methods, cloudToDevice }

    unowned let fleet: HubFleet
    let kind: Kind
    /// One encoded request per device, in the fleet's device order.
    private var requests: [[UInt8]]
    /// Where the 20 send-time digits sit in each C2D request.
    private var timeOffsets: [Int] = []
    var callers: [ServiceCaller] = []
    var running = false
    private var nextDevice = 0
    static let c2dTimeKey = "t="

    init(fleet: HubFleet, kind: Kind, serviceKey: String, responseTimeoutSeconds: Int, payloadBytes: Int) throws {
        self.fleet = fleet
        self.kind = kind
        let token = try SASToken.serviceToken(hostName: HubDevices.hostName, keyName: "iothubowner", key: serviceKey,
                                              expiry: Int64(time(nil)) + 3600)
        let headers = "Host: \(HubDevices.hostName)\r\nAuthorization: \(token)\r\nContent-Type: application/json; charset=utf-8\r\n"
        switch kind {
        case .methods:
            let body = "{\"methodName\":\"bench\",\"payload\":{\"n\":1},\"responseTimeoutInSeconds\":\(responseTimeoutSeconds)}"
            requests = fleet.devices.map { device in
                Array(("POST /twins/\(HubDevices.id(device.index))/methods?api-version=2021-04-12 HTTP/1.1\r\n" + headers
                    + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
            }
        case .cloudToDevice:
            // body "t=<20 digits> xxx…": payloadBytes of text the device reads the send time from.
            let prefix = "{\"body\":\"" + Self.c2dTimeKey
            let body = prefix + String(repeating: "0", count: 20) + String(repeating: "x", count: max(0, payloadBytes - 22)) + "\"}"
            requests = []
            for device in fleet.devices {
                let head = "POST /messages/devicebound/\(HubDevices.id(device.index))?api-version=2021-04-12 HTTP/1.1\r\n" + headers
                    + "Content-Length: \(body.utf8.count)\r\n\r\n"
                timeOffsets.append(head.utf8.count + prefix.utf8.count)
                requests.append(Array((head + body).utf8))
            }
        }
    }

    /// Opens `count` connections (TLS to the HTTPS listener); they start calling once `running`.
    func open(count: Int, address: SocketAddress, tls: TLSContext, loop: EventLoop) {
        for _ in 0..<count {
            let caller = ServiceCaller(calls: self)
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

    /// Writes the next device's request on `connection`.
    func writeNextRequest(on connection: Connection, now: Int64) {
        let index = nextDevice
        nextDevice = nextDevice + 1 == requests.count ? 0 : nextDevice + 1
        if kind == .cloudToDevice {
            var value = UInt64(now)
            for position in stride(from: timeOffsets[index] + 19, through: timeOffsets[index], by: -1) {
                requests[index][position] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        requests[index].withUnsafeBytes { connection.write($0) }
    }

    func closeAll() {
        running = false
        for caller in callers { caller.close() }
    }
}

/// One keep-alive HTTPS connection of `ServiceCalls`.
final class ServiceCaller: ConnectionHandler {
    unowned let calls: ServiceCalls
    private var connection: Connection?
    private(set) var isConnected = false
    private var outstanding = false
    private var sentNanos: Int64 = 0
    private var received: [UInt8] = []

    init(calls: ServiceCalls) { self.calls = calls }

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
        calls.writeNextRequest(on: connection, now: now)
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        guard let (status, length) = Self.frame(received) else { return }
        let now = monotonicNanos()
        let fleet = calls.fleet
        switch calls.kind {
        case .methods:
            // 200 with the device's status 200 in the body (§4.3) is a completed round trip.
            let ok = status == 200 && Self.contains(received, Array("\"status\":200".utf8))
            if ok { fleet.completed += 1 } else { failed(status, length) }
            if fleet.recording { _ = fleet.latency.record(UInt64(max(0, now - sentNanos))) }
        case .cloudToDevice:
            // Queued: the device's receipt completes it (and measures its latency).
            if status == 200 { fleet.cloudToDeviceQueued += 1 } else { failed(status, length) }
        }
        received.removeSubrange(0..<length)
        outstanding = false
        callIfIdle(now: now)
    }

    private func failed(_ status: Int, _ length: Int) {
        calls.fleet.failedResponses += 1
        calls.fleet.lastError = "REST call: HTTP \(status) \(String(decoding: received.prefix(length).suffix(160), as: UTF8.self))"
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
