import CNaveURing
import Glibc

/// Host names to socket addresses, through the C library's resolver (`/etc/hosts`, then DNS
/// as `/etc/nsswitch.conf` says). `getaddrinfo` blocks for as long as a DNS server takes, so it
/// runs on a thread of its own per lookup: never on an event loop, never on the cooperative
/// pool. Callers cache what they get (a webhook resolves once per `resolvedTTL`, not per message).
public enum HostNameResolution {
    /// Longest host name looked up (RFC 1035 §2.3.4: 255 octets in the wire form).
    public static let hostNameBytesMax = 253

    /// Why a name has no address: the resolver's own words (`gai_strerror`).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Every address of `host` (a name or a numeric address) on TCP `port`, IPv4 first, or why none.
    public static func addresses(of host: String, port: Int) async -> Result<[SocketAddress], Failure> {
        if let numeric = SocketAddress(host: host, port: port) { return .success([numeric]) }
        guard !host.isEmpty, host.utf8.count <= hostNameBytesMax, (0...65535).contains(port) else { return .failure(Failure(description: "not a host name: '\(host)'")) }
        return await withCheckedContinuation { continuation in
            let lookup = Lookup(host: host, port: port, continuation: continuation)
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { raw in
                Unmanaged<Lookup>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, Unmanaged.passRetained(lookup).toOpaque())
            if created == 0 {
                pthread_detach(thread)
            } else {
                Unmanaged.passUnretained(lookup).release()
                continuation.resume(returning: .failure(Failure(description: "no thread for the lookup: \(Errno(created))")))
            }
        }
    }

    /// One lookup's inputs and answer, handed to its thread.
    private final class Lookup {
        let host: String
        let port: Int
        let continuation: CheckedContinuation<Result<[SocketAddress], Failure>, Never>

        init(host: String, port: Int, continuation: CheckedContinuation<Result<[SocketAddress], Failure>, Never>) {
            self.host = host
            self.port = port
            self.continuation = continuation
        }

        func run() {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let list else {
                let reason = status == EAI_SYSTEM ? "\(Errno(errno))" : String(cString: gai_strerror(status))
                continuation.resume(returning: .failure(Failure(description: "\(host): \(reason)")))
                return
            }
            defer { freeaddrinfo(list) }
            var found: [SocketAddress] = []
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let current = entry {
                if let address = current.pointee.ai_addr, current.pointee.ai_family == AF_INET || current.pointee.ai_family == AF_INET6 {
                    var storage = sockaddr_storage()
                    let length = min(Int(current.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
                    withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: length)) }
                    let resolved = SocketAddress(storage: storage, length: socklen_t(length))
                    if !found.contains(resolved) { found.append(resolved) }
                }
                entry = current.pointee.ai_next
            }
            found.sort { $0.family == AF_INET && $1.family != AF_INET }
            continuation.resume(returning: found.isEmpty ? .failure(Failure(description: "\(host): no IPv4 or IPv6 address")) : .success(found))
        }
    }
}
