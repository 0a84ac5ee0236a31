import Foundation
import NaveCore
import NaveModel
import Synchronization

/// The blob store under `<data>/blobs/` (reference §5.4), one directory per container:
///
///     blobs/.tmp/{n}.part                         writes in progress (cleared at open)
///     blobs/{container}/{key}.meta                the blob's record (JSON): name, size,
///                                                 etag, time, content type, committed blocks
///     blobs/{container}/{key}.{etag}.blob         its bytes
///     blobs/{container}/{key}.blocks/{blockKey}   staged blocks (Put Block)
///
/// `{key}` is `BlobAddress.storageKey`. A write goes to a temporary file, is fsynced, renamed
/// to its content name, and becomes the blob when the `.meta` naming it is renamed into place
/// (the commit point); the previous content file is deleted afterwards. A reader keeps its
/// content file open, so it reads one version to the end. At open, content files no `.meta`
/// names and everything in `.tmp` are removed (a crash mid-write leaves nothing visible).
public final class FileBlobStore: BlobStore {
    struct Entry: Codable {
        var name: String
        var byteCount: Int64
        var etag: String
        var lastModifiedMillis: Int64
        var contentType: String
        /// Committed blocks in order (id, size), for `Committed` block list entries.
        var blocks: [Block]
    }

    struct Block: Codable {
        var id: String
        var byteCount: Int64
    }

    struct Index {
        var entries: [BlobAddress: Entry] = [:]
        /// Staged block sizes per blob, by block id.
        var staged: [BlobAddress: [String: Int64]] = [:]
        var usage = BlobUsage()
    }

    let root: String
    let clock: any HubClock
    let random: any HubRandom
    let index = Mutex(Index())
    private let temporaryCounter = Atomic<UInt64>(0)

    /// Opens (creating) `<directory>/blobs` and loads every container's records. Call at start,
    /// off the event loops.
    public init(directory: String, clock: any HubClock, random: any HubRandom) throws(BlobError) {
        root = directory + "/blobs"
        self.clock = clock
        self.random = random
        try BlobFile.makeDirectory(root)
        try? FileManager.default.removeItem(atPath: root + "/.tmp")
        try BlobFile.makeDirectory(root + "/.tmp")
        try load()
    }

    // MARK: Paths

    func containerPath(_ container: String) -> String { "\(root)/\(container)" }
    func metaPath(_ address: BlobAddress) -> String { "\(root)/\(address.container)/\(address.storageKey).meta" }
    func contentPath(_ address: BlobAddress, etag: String) -> String {
        "\(root)/\(address.container)/\(address.storageKey).\(etag).blob"
    }
    func blocksPath(_ address: BlobAddress) -> String { "\(root)/\(address.container)/\(address.storageKey).blocks" }
    func temporaryPath() -> String { "\(root)/.tmp/\(temporaryCounter.add(1, ordering: .relaxed).newValue).part" }

    // MARK: Reading

    public func properties(of address: BlobAddress) throws(BlobError) -> BlobProperties? {
        index.withLock { $0.entries[address] }.map { Self.properties(address, $0) }
    }

    public func openForReading(_ address: BlobAddress) throws(BlobError) -> any BlobReader {
        // The content file is opened under the lock, so a replacement cannot delete it between
        // reading the record and opening it.
        try index.withLock { (index: inout Index) throws(BlobError) -> any BlobReader in
            guard let entry = index.entries[address],
                  let file = try BlobFile.openForReading(contentPath(address, etag: entry.etag)) else { throw .blobNotFound() }
            return FileBlobReader(file: file, properties: Self.properties(address, entry))
        }
    }

    public func list(container: String, prefix: String) throws(BlobError) -> [BlobProperties] {
        index.withLock { index in
            index.entries.filter { $0.key.container == container && $0.key.name.hasPrefix(prefix) }
                .map { Self.properties($0.key, $0.value) }
        }.sorted { $0.address.name < $1.address.name }
    }

    public func delete(_ address: BlobAddress) throws(BlobError) {
        let removed = try index.withLock { (index: inout Index) throws(BlobError) -> Entry in
            guard let entry = index.entries.removeValue(forKey: address) else { throw .blobNotFound() }
            BlobFile.remove(metaPath(address))
            index.usage.add(-entry.byteCount, for: address)
            index.usage.add(-(index.staged.removeValue(forKey: address)?.values.reduce(0, +) ?? 0), for: address)
            return entry
        }
        BlobFile.syncDirectory(containerPath(address.container))
        BlobFile.remove(contentPath(address, etag: removed.etag))
        try? FileManager.default.removeItem(atPath: blocksPath(address))
    }

    public func usage() -> BlobUsage { index.withLock { $0.usage } }

    static func properties(_ address: BlobAddress, _ entry: Entry) -> BlobProperties {
        BlobProperties(address: address, byteCount: entry.byteCount, etag: entry.etag,
                       lastModified: Timestamp(millisecondsSinceEpoch: entry.lastModifiedMillis), contentType: entry.contentType)
    }

    // MARK: Loading

    private func load() throws(BlobError) {
        let containers = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var loaded = Index()
        for container in containers where BlobAddress.isValidContainerName(container) {
            let directory = containerPath(container)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            var kept: Set<String> = []
            for file in files where file.hasSuffix(".meta") {
                guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
                      let entry = try? JSONDecoder().decode(Entry.self, from: data),
                      let address = try? BlobAddress(container: container, name: entry.name) else { continue }
                loaded.entries[address] = entry
                loaded.usage.add(entry.byteCount, for: address)
                kept.insert("\(address.storageKey).\(entry.etag).blob")
                let blocks = blocksPath(address)
                for block in (try? FileManager.default.contentsOfDirectory(atPath: blocks)) ?? [] {
                    guard let size = BlobFile.fileSize("\(blocks)/\(block)"), let id = Self.blockID(fromFileKey: block) else { continue }
                    loaded.staged[address, default: [:]][id] = size
                    loaded.usage.add(size, for: address)
                }
            }
            // Content no record names: a write that crashed between its renames.
            for file in files where file.hasSuffix(".blob") && !kept.contains(file) {
                BlobFile.remove("\(directory)/\(file)")
            }
        }
        let index = loaded
        self.index.withLock { $0 = index }
    }

    static func blockID(fromFileKey key: String) -> String? { BlockID.text(fromFileKey: key) }
}

/// One version of a blob open for reading.
final class FileBlobReader: BlobReader {
    let file: BlobFile
    let properties: BlobProperties

    init(file: BlobFile, properties: BlobProperties) {
        self.file = file
        self.properties = properties
    }

    func read(offset: Int64, byteCount: Int) throws(BlobError) -> [UInt8] {
        try file.read(at: offset, count: byteCount)
    }

    func close() {}
}
