import NaveCore
import NaveIO
import NaveModel
import Synchronization

/// Delivers routed messages to a webhook endpoint (issue #15): one HTTP(S)/1.1 POST of the
/// JSON envelope per message (`RoutedMessageEnvelope`) on a node event loop, `Connection:
/// close`; any 2xx status is delivery, anything else, a connect failure or `timeoutMillis`
/// without an answer is a failure that `EndpointDelivery` retries.
final class WebhookDeliverer: EndpointDeliverer {
    let url: WebhookURL
    private let loop: EventLoop
    private let tls: TLSContext?
    private let timeoutMillis: Int
    private let clock: any HubClock
    /// The host's addresses and when they were looked up (names only; an address is itself).
    private let resolved = Mutex<(addresses: [SocketAddress], at: Timestamp)?>(nil)

    /// How long a name's addresses are used before they are looked up again.
    static let resolvedTTLMillis: Int64 = 30_000

    /// Bytes of an answer read at most (the status line is all that is used).
    static let responseBytesMax = 16 * 1024
    /// The `timeoutSeconds` setting's default and bounds.
    static let timeoutSecondsDefault = 10
    static let timeoutSecondsMax = 300

    init(url: WebhookURL, loop: EventLoop, tls: TLSContext?, timeoutMillis: Int, clock: any HubClock) {
        self.url = url
        self.loop = loop
        self.tls = tls
        self.timeoutMillis = timeoutMillis
        self.clock = clock
    }

    func deliver(_ record: EventRecord, partition: Int) async -> String? {
        let address: SocketAddress
        switch await hostAddress() {
        case .success(let found): address = found
        case .failure(let failure): return "cannot resolve \(failure)"
        }
        let body = RoutedMessageEnvelope.json(record).serialized()
        let head = "POST \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\nUser-Agent: nave-routing\r\n\r\n"
        let request = Array(head.utf8) + body
        let (loop, tls, serverName, timeout) = (loop, tls, url.host, timeoutMillis)
        return await withCheckedContinuation { continuation in
            loop.execute {
                let call = WebhookCall(request: request, continuation: continuation)
                call.timer = loop.schedule(after: .milliseconds(timeout)) { call.finish("no answer within \(timeout) ms") }
                call.loop = loop
                // Over TLS the certificate must name the URL's host (a DNS name, or the IP address in its IP SANs).
                loop.connect(to: address, tls: tls, serverName: tls == nil ? nil : serverName, handler: call)
            }
        }
    }

    /// The address to connect to: the URL's own, or the first its name resolves to, looked up
    /// again once `resolvedTTLMillis` passed (and after a failed lookup, at the next attempt).
    private func hostAddress() async -> Result<SocketAddress, HostNameResolution.Failure> {
        let now = clock.now()
        if let cached = resolved.withLock({ $0 }), now.millisecondsSinceEpoch - cached.at.millisecondsSinceEpoch < Self.resolvedTTLMillis,
           let first = cached.addresses.first {
            return .success(first)
        }
        switch await HostNameResolution.addresses(of: url.host, port: url.port) {
        case .success(let addresses):
            resolved.withLock { $0 = (addresses, now) }
            return .success(addresses[0])
        case .failure(let failure):
            return .failure(failure)
        }
    }
}

/// One POST: writes the request once connected, reads the status line, answers once.
/// Loop-confined (every call comes on the loop that made it).
private final class WebhookCall: ConnectionHandler {
    private let request: [UInt8]
    private var continuation: CheckedContinuation<String?, Never>?
    private var received: [UInt8] = []
    private var connection: Connection?
    var timer: TimerID?
    var loop: EventLoop?

    init(request: [UInt8], continuation: CheckedContinuation<String?, Never>) {
        self.request = request
        self.continuation = continuation
    }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        request.withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes.prefix(WebhookDeliverer.responseBytesMax - received.count))
        guard let end = received.firstIndex(of: UInt8(ascii: "\n")) else {
            if received.count >= WebhookDeliverer.responseBytesMax { finish("answer without a status line") }
            return
        }
        // "HTTP/1.1 204 No Content"
        let line = received[..<end].split(separator: UInt8(ascii: " "), maxSplits: 2)
        let status = line.count >= 2 ? Int(String(decoding: line[1], as: UTF8.self)) : nil
        switch status {
        case let status? where (200..<300).contains(status): finish(nil)
        case let status?: finish("HTTP \(status)")
        case nil: finish("answer without a status line")
        }
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        self.connection = nil
        finish("connection closed before an answer (\(reason))")
    }

    /// Answers the delivery once, and ends the connection.
    func finish(_ failure: String?) {
        guard let continuation else { return }
        self.continuation = nil
        if let timer { loop?.cancelTimer(timer) }
        continuation.resume(returning: failure)
        connection?.close()
    }
}
