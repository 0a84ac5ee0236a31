import NaveEncoding

/// A blob container's URI as an import/export job names it (reference §3.5:
/// `"outputBlobContainerUri":"https://localhost:8444/exp?sv=x&sig=y"`): `https`, a host with an
/// optional port, one path segment (the container), and a query (the SAS). Only the shape is
/// read here; whether the host is the hub's and the SAS the node's is the job's check, so that
/// a well-formed URI to the wrong place fails the job rather than the create (brief, reference
/// §3.5 "other hosts → job failed").
public struct BlobContainerURI: Sendable, Equatable {
    /// Longest URI accepted, bytes of UTF-8 (Azure's URL limit for a request line is 2 KiB of
    /// path; a container SAS is well under it).
    public static let uriBytesMax = 2_048

    /// `host` or `host:port`, lower-cased.
    public let authority: String
    /// The container (first and only path segment, percent-decoded).
    public let container: String
    /// The decoded query items: the SAS the store checks.
    public let query: [QueryItem]
    /// The URI as given.
    public let text: String

    /// Parses `text`; ArgumentInvalid (400) names the field and what is wrong.
    public init(_ text: String, field: String) throws(HubError) {
        guard text.utf8.count <= Self.uriBytesMax else {
            throw .argumentInvalid("\(field) is longer than \(Self.uriBytesMax) bytes.")
        }
        let prefix = "https://"
        guard text.lowercased().hasPrefix(prefix) else { throw .argumentInvalid("\(field) must be an https:// container URI.") }
        let rest = text.dropFirst(prefix.count)
        let (beforeQuery, queryText) = rest.firstIndex(of: "?").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
        guard let slash = beforeQuery.firstIndex(of: "/") else {
            throw .argumentInvalid("\(field) must name a container: https://{host}/{container}?{sas}.")
        }
        let authority = beforeQuery[..<slash].lowercased()
        guard !authority.isEmpty, !authority.contains("@"), authority.allSatisfy({ !$0.isWhitespace }) else {
            throw .argumentInvalid("\(field) has no usable host.")
        }
        var path = beforeQuery[beforeQuery.index(after: slash)...]
        if path.hasSuffix("/") { path = path.dropLast() }
        guard !path.isEmpty, !path.contains("/"), let container = PercentEncoding.decode(path) else {
            throw .argumentInvalid("\(field) must name exactly one container, with no blob: https://{host}/{container}?{sas}.")
        }
        guard let query = QueryString.parse(queryText) else { throw .argumentInvalid("\(field) has a malformed query.") }
        self.authority = authority
        self.container = container
        self.query = query
        self.text = text
    }

    /// The host without the port.
    public var host: String {
        if authority.hasPrefix("[") { return String(authority.prefix { $0 != "]" }) + "]" }
        return String(authority.prefix { $0 != ":" })
    }

    /// Whether this URI is on the hub named `hostName` (which may carry a port): the same host,
    /// with or without a port (contract §4.1 checks a SAS `sr` the same way).
    public func isOnHub(_ hostName: String) -> Bool {
        let hub = hostName.lowercased()
        let hubHost = hub.hasPrefix("[") ? String(hub.prefix { $0 != "]" }) + "]" : String(hub.prefix { $0 != ":" })
        return authority == hub || host == hubHost
    }

    /// The URI without its query: what a job shows (the SAS is a credential, not repeated in
    /// listings).
    public var withoutSAS: String { String(text.prefix { $0 != "?" }) }
}
