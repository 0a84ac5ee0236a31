import NaveIO

/// A webhook endpoint's `url` setting taken apart: scheme, numeric host, port and path. Nave
/// resolves no names (a node resolves nothing at run time): the host is an IP literal or
/// `localhost` (127.0.0.1).
struct WebhookURL: Sendable, Equatable {
    let isTLS: Bool
    let host: String
    let address: SocketAddress
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
        guard let address = SocketAddress(host: host == "localhost" ? "127.0.0.1" : host, port: port) else { return nil }
        self.address = address
    }
}
