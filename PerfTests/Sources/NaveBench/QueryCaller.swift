import Foundation
import Glibc
import NaveAuth
import NaveIO

/// One keep-alive HTTPS connection that posts queries (`POST /devices/query`) one at a time for
/// `nave-bench hub query`, blocking the driver thread until each answer is in. Latency is
/// request written → whole response read, on the loop's thread.
final class QueryCaller: ConnectionHandler {
    struct Answer {
        var status: Int
        var rows: Int
        var continuation: String?
        var nanos: Int64
        var body: [UInt8]
    }

    private let loop: EventLoop
    private let headers: String
    private var connection: Connection?
    private var received: [UInt8] = []
    private var sentNanos: Int64 = 0
    private var pending: BlockingResult<Answer>?
    private let opened = BlockingResult<Void>()

    init(loop: EventLoop, port: Int, tls: TLSContext, serviceKey: String) throws {
        self.loop = loop
        let token = try SASToken.serviceToken(hostName: HubDevices.hostName, keyName: "iothubowner", key: serviceKey,
                                              expiry: Int64(time(nil)) + 3600)
        headers = "Host: \(HubDevices.hostName)\r\nAuthorization: \(token)\r\nContent-Type: application/json; charset=utf-8\r\n"
        let address = SocketAddress(host: "127.0.0.1", port: port)!
        loop.submitAndWait { loop.connect(to: address, tls: tls, handler: self) }
        try opened.wait()
    }

    /// Posts `text` (with the previous page's `continuation`) and waits for the answer.
    func query(_ text: String, continuation: String?) throws -> Answer {
        let body = "{\"query\":\"\(text)\"}"
        var head = "POST /devices/query?api-version=2021-04-12 HTTP/1.1\r\n" + headers
        if let continuation { head += "x-ms-continuation: \(continuation)\r\n" }
        let request = Array((head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
        let answer = BlockingResult<Answer>()
        loop.submitAndWait {
            self.pending = answer
            self.sentNanos = monotonicNanos()
            request.withUnsafeBytes { self.connection?.write($0) }
        }
        return try answer.wait()
    }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        opened.set(.success(()))
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        guard let (status, length) = ServiceCaller.frame(received), let pending else { return }
        let nanos = monotonicNanos() - sentNanos
        let response = Array(received[0..<length])
        received.removeSubrange(0..<length)
        self.pending = nil
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let continuation = parts[0].components(separatedBy: "\r\n")
            .first { $0.lowercased().hasPrefix("x-ms-continuation:") }
            .map { String($0.dropFirst("x-ms-continuation:".count)).trimmingCharacters(in: .whitespaces) }
        let json = parts.count > 1 ? Array(parts[1...].joined(separator: "\r\n\r\n").utf8) : []
        let rows = (try? JSONSerialization.jsonObject(with: Data(json)) as? [Any])?.count ?? -1
        pending.set(.success(Answer(status: status, rows: rows, continuation: continuation, nanos: nanos, body: json)))
    }

    func close() { loop.submitAndWait { self.connection?.close() } }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        self.connection = nil
        opened.set(.failure(BrokerProcess.Failure(description: "query connection closed: \(reason)")))
        pending?.set(.failure(BrokerProcess.Failure(description: "query connection closed: \(reason)")))
        pending = nil
    }
}
