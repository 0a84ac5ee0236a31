import Foundation
import NaveAuth
import NaveIO

/// One REST call to the hub's service API on a connection of its own (TLS), for the few calls a
/// scenario makes outside its measured traffic (creating a job, reading it): the response's
/// status and JSON body, framed by Content-Length as `ServiceCaller` frames them.
final class ServiceRequest: ConnectionHandler {
    private let request: [UInt8]
    private var received: [UInt8] = []
    private(set) var response: (status: Int, body: [UInt8])?
    private(set) var failure: String?

    init(method: String, path: String, body: String?, serviceKey: String) throws {
        let token = try SASToken.serviceToken(hostName: HubDevices.hostName, keyName: "iothubowner", key: serviceKey,
                                              expiry: Int64(time(nil)) + 3600)
        let bytes = Array((body ?? "").utf8)
        request = Array(("\(method) \(path)?api-version=2021-04-12 HTTP/1.1\r\nHost: \(HubDevices.hostName)\r\n"
            + "Authorization: \(token)\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(bytes.count)\r\n\r\n").utf8) + bytes
    }

    func connectionActive(_ connection: Connection) {
        request.withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        guard response == nil, let (status, length) = ServiceCaller.frame(received) else { return }
        response = (status, Array(received[Self.headEnd(received)..<length]))
        connection.close()
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        if response == nil { failure = "closed by \(reason) before a response" }
    }

    /// Where the body starts: after the head's blank line (`frame` found one).
    private static func headEnd(_ bytes: [UInt8]) -> Int {
        for index in 3..<bytes.count where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            return index + 1
        }
        return bytes.count
    }

    /// Sends the call on `loop` and waits (at most `timeoutSeconds`) for its answer, whose JSON
    /// body is returned; any status but 200 throws.
    static func call(_ method: String, _ path: String, body: String? = nil, serviceKey: String, port: Int, tls: TLSContext,
                     loop: EventLoop, timeoutSeconds: Double = 30) throws -> [String: Any] {
        let call = try ServiceRequest(method: method, path: path, body: body, serviceKey: serviceKey)
        loop.submitAndWait { loop.connect(to: SocketAddress(host: "127.0.0.1", port: port)!, tls: tls, handler: call) }
        let deadline = monotonicSeconds() + timeoutSeconds
        while true {
            let (response, failure) = loop.submitAndWait { (call.response, call.failure) }
            if let response {
                guard response.status == 200 else {
                    throw BrokerProcess.Failure(description: "\(method) \(path): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
                }
                return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
            }
            if let failure { throw BrokerProcess.Failure(description: "\(method) \(path): \(failure)") }
            guard monotonicSeconds() < deadline else { throw BrokerProcess.Failure(description: "\(method) \(path): no answer") }
            usleep(2_000)
        }
    }
}
