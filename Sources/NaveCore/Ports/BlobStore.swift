import NaveModel

/// What a blob is, as Get Blob Properties answers.
public struct BlobProperties: Sendable, Hashable {
    public var address: BlobAddress
    public var byteCount: Int64
    /// Changes with every write; sent quoted in `ETag` (stable between writes, so a download
    /// continued with `If-Match` reads one version, reference §5.4).
    public var etag: String
    public var lastModified: Timestamp
    public var contentType: String

    public init(address: BlobAddress, byteCount: Int64, etag: String, lastModified: Timestamp, contentType: String) {
        self.address = address
        self.byteCount = byteCount
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
    }
}

/// A precondition on replacing a blob (`If-None-Match: *`, `If-Match`), checked atomically
/// with the replacement.
public enum BlobWriteCondition: Sendable, Hashable {
    case none
    /// Only if no blob has the name (`If-None-Match: *`): else 409 `BlobAlreadyExists`.
    case mustNotExist
    /// Only if the blob's current etag is this one: else 412 `ConditionNotMet`.
    case etagMatches(String)
}

/// Bytes being written into the store: a whole blob (Put Blob) or one staged block (Put
/// Block). Chunks are appended as they arrive, to a temporary file; `commit` makes them
/// durable and visible at once (fsync, rename), `cancel` drops them. `commit` and `cancel`
/// block on the disk: call them off the event loops.
public protocol BlobWriter: AnyObject, Sendable {
    /// Bytes appended so far.
    var byteCount: Int64 { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws(BlobError)
    /// For a blob: replaces whatever had the name, if `condition` holds, and returns the new
    /// blob's properties. For a block: stages it (`condition` is ignored) and returns the
    /// blob's properties as they stand, or nil while it has none.
    func commit(condition: BlobWriteCondition) throws(BlobError) -> BlobProperties?
    func cancel()
}

extension BlobWriter {
    /// Appends an array's bytes.
    public func append(_ bytes: [UInt8]) throws(BlobError) {
        var failure: BlobError?
        bytes.withUnsafeBytes { buffer in
            do throws(BlobError) { try append(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// One blob version open for reading: its bytes stay readable as they were when it was
/// opened, even if the blob is replaced meanwhile.
public protocol BlobReader: AnyObject, Sendable {
    var properties: BlobProperties { get }
    /// Up to `byteCount` bytes from `offset` (fewer only at the end).
    func read(offset: Int64, byteCount: Int) throws(BlobError) -> [UInt8]
    func close()
}

/// Nave's blob store (reference §5.4): containers of block blobs. File uploads write through
/// it, the blob HTTP surface serves it, and import/export jobs read and write through the same
/// port. Blocking calls (the disk): keep them off the event loops, except `append`, which
/// writes to the page cache.
public protocol BlobStore: Sendable {
    /// The blob's properties, nil when there is none.
    func properties(of address: BlobAddress) throws(BlobError) -> BlobProperties?
    /// Opens the current version for reading; 404 `BlobNotFound` when there is none.
    func openForReading(_ address: BlobAddress) throws(BlobError) -> any BlobReader
    /// Starts writing a whole blob from chunks.
    func writeBlob(_ address: BlobAddress, contentType: String) throws(BlobError) -> any BlobWriter
    /// Starts staging one block of a blob (Put Block).
    func stageBlock(_ address: BlobAddress, blockID: BlockID) throws(BlobError) -> any BlobWriter
    /// Commits a block list (Put Block List): the blob becomes the listed blocks in order;
    /// staged blocks left out are discarded. `blobBytesMax` bounds the result.
    func commitBlockList(_ address: BlobAddress, _ list: BlobBlockList, condition: BlobWriteCondition,
                         contentType: String, blobBytesMax: Int64) throws(BlobError) -> BlobProperties
    /// The container's blobs whose names start with `prefix`, by name.
    func list(container: String, prefix: String) throws(BlobError) -> [BlobProperties]
    /// Removes the blob and its staged blocks; 404 when there is none.
    func delete(_ address: BlobAddress) throws(BlobError)
    /// Bytes held: committed blobs and staged blocks, in all and per container and first
    /// name segment (a device's uploads are `{deviceId}/…` in the upload container).
    func usage() -> BlobUsage
}

/// What a store holds, for quotas.
public struct BlobUsage: Sendable, Hashable {
    public var totalBytes: Int64 = 0
    /// Keyed by `BlobUsage.owner(of:)`.
    public var bytesByOwner: [String: Int64] = [:]

    public init(totalBytes: Int64 = 0, bytesByOwner: [String: Int64] = [:]) {
        self.totalBytes = totalBytes
        self.bytesByOwner = bytesByOwner
    }

    /// `{container}/{first name segment}`: what a per-device quota counts.
    public static func owner(of address: BlobAddress) -> String {
        "\(address.container)/\(address.name.prefix { $0 != "/" })"
    }

    public mutating func add(_ bytes: Int64, for address: BlobAddress) {
        totalBytes += bytes
        bytesByOwner[Self.owner(of: address), default: 0] += bytes
    }
}
