import CNaveSSL
import Glibc

/// A blocking HTTPS/1.1 client for the CLI's calls to a running node's REST API: one request
/// per connection, the server verified against the node's CA (or the system's trust store) and
/// its host name or address, the response read to its Content-Length. Small on purpose: the CLI
/// talks only to Nave, and is not a hot path.
struct ServiceClient {
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Address or host name to dial ("127.0.0.1", "localhost"), port, the host name (or IP
    /// address) the certificate must carry, and the CA that signed it (nil: the system's trust
    /// store, for a node whose certificate a public CA issued).
    let address: String
    let port: Int
    let hostName: String
    let caPath: String?
    /// How long a send or a read may block (a method call waits for the device).
    var timeoutSeconds = 30

    func send(method: String, path: String, headers: [(String, String)], body: [UInt8] = []) throws(Failure) -> Response {
        let fd = try connectSocket()
        defer { close(fd) }
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Failure(description: "SSL_CTX_new failed") }
        defer { SSL_CTX_free(context) }
        if let caPath {
            guard SSL_CTX_load_verify_locations(context, caPath, nil) == 1 else {
                throw Failure(description: "cannot load the CA certificate \(caPath)")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(context)
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        guard let ssl = SSL_new(context) else { throw Failure(description: "SSL_new failed") }
        defer { SSL_free(ssl) }
        _ = SSL_set_fd(ssl, fd)
        // An IP literal is matched against the certificate's IP SANs, a name against its DNS ones.
        if Self.isAddressLiteral(hostName) {
            _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), hostName)
        } else {
            _ = SSL_set1_host(ssl, hostName)
        }
        // SNI: OpenSSL copies the name, so the C string need live only for the call.
        _ = hostName.withCString { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0)) }
        guard SSL_connect(ssl) == 1 else {
            throw Failure(description: "TLS handshake with \(address):\(port) failed (is the CA \(caPath ?? "in the system's trust store") the node's? --ca-file names another)")
        }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(hostName)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Content-Length: \(body.count)\r\n\r\n"
        let bytes = Array(request.utf8) + body
        guard SSL_write(ssl, bytes, Int32(bytes.count)) == Int32(bytes.count) else { throw Failure(description: "sending the request failed") }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = SSL_read(ssl, &chunk, Int32(chunk.count))
            if count <= 0 { break }
            received.append(contentsOf: chunk[0..<Int(count)])
            if let response = Self.parse(received) { return response }
        }
        guard let response = Self.parse(received, atEnd: true) else { throw Failure(description: "the node closed before a complete response") }
        return response
    }

    private func connectSocket() throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &result) == 0, let info = result else {
            throw Failure(description: "cannot resolve the node's address \(address)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            close(fd)
            throw Failure(description: "cannot connect to the node at \(address):\(port) (errno \(errno))")
        }
        return fd
    }

    /// Whether `host` is an IPv4 or IPv6 literal rather than a DNS name.
    static func isAddressLiteral(_ host: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }

    /// A complete response (head + Content-Length body), or nil while more is needed.
    static func parse(_ bytes: [UInt8], atEnd: Bool = false) -> Response? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.indices.dropLast(3).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        let bodyStart = headEnd + 4
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) }
        if let length {
            guard bytes.count - bodyStart >= length else { return nil }
            return Response(status: status, headers: headers, body: Array(bytes[bodyStart..<bodyStart + length]))
        }
        return atEnd ? Response(status: status, headers: headers, body: Array(bytes[bodyStart...])) : nil
    }
}
