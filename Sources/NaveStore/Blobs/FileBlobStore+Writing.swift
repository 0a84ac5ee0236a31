import Foundation
import NaveCore
import NaveModel
import Synchronization

/// Writes: a whole blob or a staged block streamed into a temporary file, and block lists.
extension FileBlobStore {
    /// Bytes copied per read when a block list is assembled.
    static let copyChunkBytes = 1 << 20

    public func writeBlob(_ address: BlobAddress, contentType: String) throws(BlobError) -> any BlobWriter {
        let path = temporaryPath()
        return FileBlobWriter(store: self, address: address, file: try BlobFile.create(path), path: path,
                              kind: .blob(contentType: contentType))
    }

    public func stageBlock(_ address: BlobAddress, blockID: BlockID) throws(BlobError) -> any BlobWriter {
        let path = temporaryPath()
        return FileBlobWriter(store: self, address: address, file: try BlobFile.create(path), path: path, kind: .block(blockID))
    }

    public func commitBlockList(_ address: BlobAddress, _ list: BlobBlockList, condition: BlobWriteCondition,
                                contentType: String, blobBytesMax: Int64) throws(BlobError) -> BlobProperties {
        // Sources are opened under the lock, so a concurrent commit cannot delete them first.
        let sources = try index.withLock { (index: inout Index) throws(BlobError) -> [(file: BlobFile, offset: Int64, block: Block)] in
            let current = index.entries[address]
            let currentFile = try current.flatMap { (entry: Entry) throws(BlobError) in try BlobFile.openForReading(contentPath(address, etag: entry.etag)) }
            var committed: [String: (offset: Int64, byteCount: Int64)] = [:]
            var offset: Int64 = 0
            for block in current?.blocks ?? [] {
                committed[block.id] = (offset, block.byteCount)
                offset += block.byteCount
            }
            let staged = index.staged[address] ?? [:]
            var sources: [(file: BlobFile, offset: Int64, block: Block)] = []
            var total: Int64 = 0
            for entry in list.entries {
                let id = entry.blockID.text
                let useStaged = entry.source == .uncommitted || (entry.source == .latest && staged[id] != nil)
                if useStaged {
                    guard let size = staged[id],
                          let file = try BlobFile.openForReading("\(blocksPath(address))/\(entry.blockID.fileKey)") else {
                        throw .invalidBlockList("block \(id) is not staged")
                    }
                    sources.append((file, 0, Block(id: id, byteCount: size)))
                    total += size
                } else {
                    guard let place = committed[id], let currentFile else { throw .invalidBlockList("block \(id) is not committed") }
                    sources.append((currentFile, place.offset, Block(id: id, byteCount: place.byteCount)))
                    total += place.byteCount
                }
                guard total <= blobBytesMax else { throw .requestBodyTooLarge(bytesMax: blobBytesMax) }
            }
            return sources
        }
        let path = temporaryPath()
        let writer = FileBlobWriter(store: self, address: address, file: try BlobFile.create(path), path: path,
                                    kind: .blob(contentType: contentType))
        do throws(BlobError) {
            for source in sources {
                var copied: Int64 = 0
                while copied < source.block.byteCount {
                    let count = Int(min(Int64(Self.copyChunkBytes), source.block.byteCount - copied))
                    let bytes = try source.file.read(at: source.offset + copied, count: count)
                    guard bytes.count == count else { throw BlobError.internalError("a block is shorter than recorded") }
                    try writer.append(bytes)
                    copied += Int64(count)
                }
            }
            return try writer.commitBlob(condition: condition, blocks: sources.map(\.block))
        } catch {
            writer.cancel()
            throw error
        }
    }

    /// Makes a synced temporary file the blob: content renamed, then the record (the commit
    /// point), under the index lock so the condition and the replacement are one step.
    func installBlob(_ address: BlobAddress, from temporary: String, byteCount: Int64, contentType: String,
                     blocks: [Block], condition: BlobWriteCondition) throws(BlobError) -> BlobProperties {
        let etag = "0x" + Hex16.encode(random.bytes(8))
        let content = contentPath(address, etag: etag)
        try BlobFile.makeDirectory(containerPath(address.container))
        let entry = Entry(name: address.name, byteCount: byteCount, etag: etag,
                          lastModifiedMillis: clock.now().millisecondsSinceEpoch, contentType: contentType, blocks: blocks)
        let replaced = try index.withLock { (index: inout Index) throws(BlobError) -> (entry: Entry?, staged: Bool) in
            let current = index.entries[address]
            switch condition {
            case .none: break
            case .mustNotExist: if current != nil { throw .blobAlreadyExists() }
            case .etagMatches(let expected): if current?.etag != expected && expected != "*" { throw .conditionNotMet() }
            }
            try BlobFile.rename(temporary, to: content, directory: containerPath(address.container))
            do throws(BlobError) {
                try writeRecord(entry, for: address)
            } catch {
                BlobFile.remove(content)
                throw error
            }
            index.entries[address] = entry
            index.usage.add(byteCount - (current?.byteCount ?? 0), for: address)
            // Put Blob and Put Block List discard the blob's uncommitted blocks.
            let staged = index.staged.removeValue(forKey: address)
            index.usage.add(-(staged?.values.reduce(0, +) ?? 0), for: address)
            return (current, staged != nil)
        }
        if let old = replaced.entry { BlobFile.remove(contentPath(address, etag: old.etag)) }
        if replaced.staged { try? FileManager.default.removeItem(atPath: blocksPath(address)) }
        return Self.properties(address, entry)
    }

    /// Makes a synced temporary file a staged block of the blob.
    func installBlock(_ address: BlobAddress, _ blockID: BlockID, from temporary: String, byteCount: Int64) throws(BlobError) {
        try BlobFile.makeDirectory(containerPath(address.container))
        try BlobFile.makeDirectory(blocksPath(address))
        try index.withLock { (index: inout Index) throws(BlobError) in
            try BlobFile.rename(temporary, to: "\(blocksPath(address))/\(blockID.fileKey)", directory: blocksPath(address))
            let previous = index.staged[address, default: [:]].updateValue(byteCount, forKey: blockID.text) ?? 0
            index.usage.add(byteCount - previous, for: address)
        }
    }

    /// Writes the record to a temporary file, syncs it and renames it into place.
    private func writeRecord(_ entry: Entry, for address: BlobAddress) throws(BlobError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(entry)
        } catch {
            throw .internalError("cannot encode a blob record")
        }
        let path = temporaryPath()
        let file = try BlobFile.create(path)
        try file.writeAll(Array(data))
        try file.sync()
        try BlobFile.rename(path, to: metaPath(address), directory: containerPath(address.container))
    }
}

/// Lower-case hex without NaveEncoding (not a dependency of this target).
enum Hex16 {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A blob or block being written to a temporary file of the store.
final class FileBlobWriter: BlobWriter {
    enum Kind {
        case blob(contentType: String)
        case block(BlockID)
    }

    private let store: FileBlobStore
    private let address: BlobAddress
    private let file: BlobFile
    private let path: String
    private let kind: Kind
    private let state = Mutex<(byteCount: Int64, done: Bool)>((0, false))

    init(store: FileBlobStore, address: BlobAddress, file: BlobFile, path: String, kind: Kind) {
        self.store = store
        self.address = address
        self.file = file
        self.path = path
        self.kind = kind
    }

    var byteCount: Int64 { state.withLock { $0.byteCount } }

    func append(_ bytes: UnsafeRawBufferPointer) throws(BlobError) {
        try file.writeAll(bytes)
        state.withLock { $0.byteCount += Int64(bytes.count) }
    }

    func commit(condition: BlobWriteCondition) throws(BlobError) -> BlobProperties? {
        switch kind {
        case .blob:
            return try commitBlob(condition: condition, blocks: [])
        case .block(let id):
            let count = try finish()
            do throws(BlobError) {
                try store.installBlock(address, id, from: path, byteCount: count)
            } catch {
                BlobFile.remove(path)
                throw error
            }
            return try store.properties(of: address)
        }
    }

    func commitBlob(condition: BlobWriteCondition, blocks: [FileBlobStore.Block]) throws(BlobError) -> BlobProperties {
        guard case .blob(let contentType) = kind else { preconditionFailure("a block is not committed as a blob") }
        let count = try finish()
        do throws(BlobError) {
            return try store.installBlob(address, from: path, byteCount: count, contentType: contentType, blocks: blocks, condition: condition)
        } catch {
            BlobFile.remove(path)
            throw error
        }
    }

    func cancel() {
        let wasDone = state.withLock { state in
            defer { state.done = true }
            return state.done
        }
        if !wasDone { BlobFile.remove(path) }
    }

    /// Syncs the temporary file; the writer takes no more bytes.
    private func finish() throws(BlobError) -> Int64 {
        let count = state.withLock { state in
            state.done = true
            return state.byteCount
        }
        do throws(BlobError) {
            try file.sync()
        } catch {
            BlobFile.remove(path)
            throw error
        }
        return count
    }

    deinit { cancel() }
}
