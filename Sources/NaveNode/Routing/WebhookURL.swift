import NaveIO

/// A webhook endpoint's `url` setting taken apart: scheme, host (a name, or an IPv4 or
/// bracketed IPv6 address), port and path. Names are resolved when delivering
/// (`WebhookDeliverer`), so a service that moves is followed.
struct WebhookURL: Sendable, Equatable {
    let isTLS: Bool
    /// The host as written (IPv6 without brackets): the `Host` header, TLS's expected name.
    let host: String
    let port: Int
    /// Path and query, `/` when the URL has none.
    let target: String

    init?(_ text: String) {
        let rest: Substring
        if text.hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let path = rest.dropFirst(authority.count)
        target = path.isEmpty ? "/" : (path.hasPrefix("?") ? "/" + path : String(path))
        var hostPart = Substring(authority)
        var port = isTLS ? 443 : 80
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { return nil }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { guard let given = Int(after.dropFirst()) else { return nil }; port = given }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            guard let given = Int(hostPart[hostPart.index(after: colon)...]) else { return nil }
            port = given
            hostPart = hostPart[..<colon]
        }
        host = String(hostPart)
        self.port = port
        guard (1...65535).contains(port), !host.isEmpty, host.utf8.count <= HostNameResolution.hostNameBytesMax,
              host.utf8.allSatisfy(Self.isHostByte) else { return nil }
    }

    /// Letters, digits, `-`, `.`, and `:` for IPv6: what a DNS name or an address is made of
    /// (nothing that could end the request line or a header).
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// The `Host` header's value: the host (bracketed when IPv6) and a port that is not the scheme's.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }
}
