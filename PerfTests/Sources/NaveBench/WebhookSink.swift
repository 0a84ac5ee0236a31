import Foundation
import Glibc
import Synchronization

/// A local web service for `nave-bench hub webhook`: answers every POST with 204 and counts
/// them, on a thread of its own with blocking sockets (the node's webhook deliverer sends
/// `Connection: close`, one request per connection). Not listening until `open()`, so a node
/// can fill its endpoint log first.
final class WebhookSink: Sendable {
    let port: Int
    /// POSTs answered, and when the first and the last were (monotonic nanoseconds).
    private let answered = Mutex((count: 0, firstAt: UInt64(0), lastAt: UInt64(0)))

    init(port: Int) { self.port = port }

    /// Listens on 127.0.0.1:`port` and serves until the process ends.
    func open() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 512) == 0 else { throw BrokerProcess.Failure(description: "the webhook sink cannot listen on \(port)") }
        Thread.detachNewThread { [self] in serve(listener: fd) }
    }

    /// Requests answered, and the seconds from the first to the last.
    var counts: (received: Int, seconds: Double) {
        answered.withLock { ($0.count, Double($0.lastAt &- $0.firstAt) / 1e9) }
    }

    private func serve(listener: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let answer = Array("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            var request: [UInt8] = []
            // Headers, then Content-Length bytes of body.
            while true {
                let count = read(client, &buffer, buffer.count)
                guard count > 0 else { break }
                request += buffer[0..<count]
                if let end = Self.headerEnd(request), request.count >= end + Self.contentLength(request[..<end]) { break }
            }
            _ = answer.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            close(client)
            let now = UInt64(DispatchTime.now().uptimeNanoseconds)
            answered.withLock { answered in
                if answered.count == 0 { answered.firstAt = now }
                answered.count += 1
                answered.lastAt = now
            }
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }

    private static func contentLength(_ head: ArraySlice<UInt8>) -> Int {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        guard let range = text.range(of: "content-length:") else { return 0 }
        return Int(text[range.upperBound...].prefix { $0 != "\r" }.trimmingCharacters(in: .whitespaces)) ?? 0
    }
}
