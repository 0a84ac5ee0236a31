import Foundation
import Glibc
import Logging
import NaveCore
import ServiceLifecycle

/// A deliberately small HTTP/1.1 service (one request per connection, on a thread of its own)
/// with one route: `GET /fleet/summary` → `{"devices":…,"enabled":…,"connected":…}`, read
/// from the hub's registry and live connections. A real program would use its web framework.
final class FleetSummaryService: Service, Sendable {
    let port: Int
    private let listener: Int32
    private let hub: Hub
    private let logger: Logger
    /// The longest request head read (bytes); the route needs only its first line.
    static let requestHeadBytesMax = 8192

    init(hub: Hub, port: Int, logger: Logger) throws {
        self.hub = hub
        self.logger = logger
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Serves until the group's graceful shutdown, then closes the listener.
    func run() async throws {
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
        try? await gracefulShutdown()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return  // the listener was closed
            }
            answer(client)
            close(client)
        }
    }

    private func answer(_ client: Int32) {
        var head = [UInt8](repeating: 0, count: Self.requestHeadBytesMax)
        var count = 0
        while count < head.count {
            let read = head.withUnsafeMutableBytes { recv(client, $0.baseAddress! + count, $0.count - count, 0) }
            if read <= 0 { break }
            count += read
            if head[..<count].contains(UInt8(ascii: "\n")) { break }
        }
        let requestLine = String(decoding: head[..<count].prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let (status, body) = requestLine.hasPrefix("GET /fleet/summary ")
            ? ("200 OK", summary()) : ("404 Not Found", #"{"error":"not found"}"#)
        let response = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        logger.info("request", metadata: ["line": "\(requestLine)", "status": "\(status)"])
    }

    /// The façade's view of the fleet: the registry's counts and the devices connected now.
    private func summary() -> String {
        let statistics = hub.registry.statistics
        return #"{"devices":\#(statistics.totalDeviceCount),"enabled":\#(statistics.enabledDeviceCount),"#
            + #""connected":\#(hub.connections.connectedDeviceCount),"hostName":"\#(hub.hostName)"}"#
    }
}
