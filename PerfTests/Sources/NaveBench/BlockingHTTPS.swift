import Foundation
import Glibc
import NaveIO

/// One keep-alive HTTPS/1.1 connection on a harness loop that a driver thread uses one request
/// at a time, blocking until each answer is in: the query and upload benchmarks' client.
/// Latency is request written → whole response read, on the loop's thread; responses are framed
/// by Content-Length (what Nave sends).
final class BlockingHTTPS: ConnectionHandler {
    struct Answer {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var nanos: Int64

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// How many elements the body's JSON array has (-1 when it is not one).
        var arrayCount: Int { (try? JSONSerialization.jsonObject(with: Data(body)) as? [Any])?.count ?? -1 }

        var text: String { String(decoding: body.prefix(300), as: UTF8.self) }
    }

    private let loop: EventLoop
    private var connection: Connection?
    private var received: [UInt8] = []
    private var sentNanos: Int64 = 0
    private var pending: BlockingResult<Answer>?
    private let opened = BlockingResult<Void>()
    /// The request being written and how much of it is written: a large body goes out in
    /// `writeChunkBytes` pieces while the connection is writable (its outbound queue is bounded).
    private var outgoing: [UInt8] = []
    private var written = 0
    static let writeChunkBytes = 256 * 1024

    init(loop: EventLoop, port: Int, tls: TLSContext) throws {
        self.loop = loop
        let address = SocketAddress(host: "127.0.0.1", port: port)!
        loop.submitAndWait { loop.connect(to: address, tls: tls, handler: self) }
        try opened.wait()
    }

    /// Sends one request (`Host` and `Content-Length` added) and waits for its answer.
    func request(_ method: String, _ target: String, headers: [(String, String)], body: [UInt8] = []) throws -> Answer {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(HubDevices.hostName)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        var bytes = Array((head + "Content-Length: \(body.count)\r\n\r\n").utf8)
        bytes += body
        let answer = BlockingResult<Answer>()
        loop.submitAndWait {
            self.pending = answer
            self.sentNanos = monotonicNanos()
            self.outgoing = bytes
            self.written = 0
            self.writeMore()
        }
        return try answer.wait()
    }

    private func writeMore() {
        guard let connection else { return }
        while written < outgoing.count, connection.isWritable {
            let end = min(outgoing.count, written + Self.writeChunkBytes)
            outgoing[written..<end].withUnsafeBytes { connection.write($0) }
            written = end
        }
        if written == outgoing.count { outgoing = [] }
    }

    func connectionDidBecomeWritable(_ connection: Connection) { writeMore() }

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
        var headEnd = 0
        for index in 3..<response.count where response[index - 3...index].elementsEqual([13, 10, 13, 10]) {
            headEnd = index + 1
            break
        }
        let headers = String(decoding: response[0..<headEnd], as: UTF8.self).components(separatedBy: "\r\n").dropFirst()
            .compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
        pending.set(.success(Answer(status: status, headers: headers, body: Array(response[headEnd...]), nanos: nanos)))
    }

    func close() { loop.submitAndWait { self.connection?.close() } }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        self.connection = nil
        pending?.set(.failure(BrokerProcess.Failure(description: "HTTPS connection closed: \(reason)")))
        pending = nil
    }
}
