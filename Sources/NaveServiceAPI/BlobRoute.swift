import NaveCore
import NaveHTTP

/// A request for Nave's blob store (reference §5.4): path-style `/{container}/{blob…}` on the
/// hub's HTTPS listener, for a first path word that is a valid container name and no hub route
/// (`BlobAddress.reservedContainerNames`). Container-level requests (one segment) are not
/// served: the SDK's blob calls name a blob.
struct BlobRoute {
    var address: BlobAddress
    var query: [(name: String, value: String)]

    /// What the request asks for, from `comp` (Blob REST).
    enum Operation: Equatable {
        case putBlob, putBlock(BlockID), putBlockList, getBlob, getProperties, deleteBlob
    }

    /// The route, nil when the path is not a blob's (the hub's routes then answer); a blob
    /// path with bad names throws.
    init?(head: HTTPRequestHead) throws(BlobError) {
        try self.init(head: head, segments: HTTPTarget.pathSegments(head.path))
    }

    /// The same, with the path already split into decoded segments (nil: it does not decode).
    init?(head: HTTPRequestHead, segments: [String]?) throws(BlobError) {
        guard let segments, segments.count >= 2,
              BlobAddress.isValidContainerName(segments[0]),
              !BlobAddress.reservedContainerNames.contains(segments[0]) else { return nil }
        address = try BlobAddress(container: segments[0], name: segments.dropFirst().joined(separator: "/"))
        guard let items = head.query.flatMap({ HTTPTarget.queryItems($0) }) ?? (head.query == nil ? [] : nil) else {
            throw .invalidQueryParameterValue("query")
        }
        query = items
    }

    func value(_ name: String) -> String? { query.first { $0.name == name }?.value }

    func operation(method: String) throws(BlobError) -> Operation {
        switch (method, value("comp")) {
        case ("PUT", nil): return .putBlob
        case ("PUT", "block"):
            guard let id = value("blockid") else { throw .invalidQueryParameterValue("blockid") }
            return .putBlock(try BlockID(id))
        case ("PUT", "blocklist"): return .putBlockList
        case ("GET", nil): return .getBlob
        case ("HEAD", nil): return .getProperties
        case ("DELETE", nil): return .deleteBlob
        case (_, let comp?) where !["block", "blocklist"].contains(comp): throw .invalidQueryParameterValue("comp")
        default: throw .unsupportedHTTPVerb(method)
        }
    }

    /// The SAS permission the operation needs (Azure's service SAS table: `w` to write blobs
    /// and blocks, `r` to read, `d` to delete).
    static func permission(for operation: Operation) -> BlobSASPermissions {
        switch operation {
        case .putBlob, .putBlock, .putBlockList: .write
        case .getBlob, .getProperties: .read
        case .deleteBlob: .delete
        }
    }

    /// `If-None-Match: *` and `If-Match` as a write condition.
    static func condition(_ headers: HTTPHeaders) -> BlobWriteCondition {
        if headers["If-None-Match"]?.trimmingCharacters(in: " ") == "*" { return .mustNotExist }
        if let etag = headers["If-Match"] { return .etagMatches(BlobAPI.unquoted(etag)) }
        return .none
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
