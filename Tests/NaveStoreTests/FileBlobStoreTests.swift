import Foundation
import NaveCore
import NaveModel
@testable import NaveStore
import NaveTestSupport
import Testing

/// The file-backed blob store: whole blobs and block lists, conditions, ranged reads of one
/// version, and what survives a reopen or a crash mid-write.
@Suite struct FileBlobStoreTests {
    let clock = ManualClock()
    let random = SeededHubRandom()

    func open(_ directory: String) throws -> FileBlobStore { try FileBlobStore(directory: directory, clock: clock, random: random) }
    func address(_ name: String, container: String = "nave-uploads") throws -> BlobAddress { try BlobAddress(container: container, name: name) }

    func write(_ store: FileBlobStore, _ address: BlobAddress, _ bytes: [UInt8], condition: BlobWriteCondition = .none) throws -> BlobProperties {
        let writer = try store.writeBlob(address, contentType: "text/plain")
        for start in stride(from: 0, to: bytes.count, by: 7) { try writer.append(Array(bytes[start..<min(start + 7, bytes.count)])) }
        return try #require(try writer.commit(condition: condition))
    }

    func stage(_ store: FileBlobStore, _ address: BlobAddress, _ id: String, _ bytes: [UInt8]) throws {
        let writer = try store.stageBlock(address, blockID: try BlockID(id))
        try writer.append(bytes)
        _ = try writer.commit(condition: .none)
    }

    func read(_ store: FileBlobStore, _ address: BlobAddress) throws -> [UInt8] {
        let reader = try store.openForReading(address)
        defer { reader.close() }
        return try reader.read(offset: 0, byteCount: Int(reader.properties.byteCount) + 10)
    }

    @Test func wholeBlobIsVisibleOnlyAtCommitAndReplacesAtomically() async throws {
        try await withScratchDirectory { directory in
            let store = try open(directory)
            let a = try address("d1/a.txt")
            let writer = try store.writeBlob(a, contentType: "text/plain")
            try writer.append(Array("hello".utf8))
            #expect(try store.properties(of: a) == nil)
            let first = try #require(try writer.commit(condition: .mustNotExist))
            #expect(first.byteCount == 5 && first.contentType == "text/plain")
            let oldReader = try store.openForReading(a)
            let second = try write(store, a, Array("hello world".utf8))
            #expect(second.etag != first.etag)
            // A reader keeps the version it opened.
            #expect(try oldReader.read(offset: 0, byteCount: 100) == Array("hello".utf8))
            #expect(try read(store, a) == Array("hello world".utf8))
            #expect(throws: BlobError.blobAlreadyExists()) { _ = try write(store, a, [1], condition: .mustNotExist) }
            #expect(throws: BlobError.conditionNotMet()) { _ = try write(store, a, [1], condition: .etagMatches(first.etag)) }
            #expect(try read(store, a) == Array("hello world".utf8))
            #expect(store.usage().totalBytes == 11 && store.usage().bytesByOwner["nave-uploads/d1"] == 11)
        }
    }

    @Test func blockListTakesLatestCommittedAndUncommittedInOrder() async throws {
        try await withScratchDirectory { directory in
            let store = try open(directory)
            let a = try address("d1/big.bin")
            try stage(store, a, "QUFB", Array("aaa".utf8))
            try stage(store, a, "QkJC", Array("bb".utf8))
            #expect(store.usage().totalBytes == 5)
            let list = try BlobBlockList(entries: [BlockListEntry(blockID: try BlockID("QkJC"), source: .latest),
                                                  BlockListEntry(blockID: try BlockID("QUFB"), source: .uncommitted)])
            let committed = try store.commitBlockList(a, list, condition: .none, contentType: "b", blobBytesMax: 100)
            #expect(committed.byteCount == 5)
            #expect(try read(store, a) == Array("bbaaa".utf8))
            // Staged blocks are gone once committed; committed ones can be reused.
            #expect(store.usage().totalBytes == 5)
            try stage(store, a, "Q0ND", Array("c".utf8))
            let again = try BlobBlockList(entries: [BlockListEntry(blockID: try BlockID("QUFB"), source: .committed),
                                                   BlockListEntry(blockID: try BlockID("Q0ND"), source: .latest)])
            _ = try store.commitBlockList(a, again, condition: .none, contentType: "b", blobBytesMax: 100)
            #expect(try read(store, a) == Array("aaac".utf8))
            let missing = try BlobBlockList(entries: [BlockListEntry(blockID: try BlockID("RERE"), source: .latest)])
            #expect(throws: BlobError.self) { try store.commitBlockList(a, missing, condition: .none, contentType: "b", blobBytesMax: 100) }
            try stage(store, a, "RERE", Array(repeating: 1, count: 50))
            let tooBig = try BlobBlockList(entries: [BlockListEntry(blockID: try BlockID("RERE"), source: .latest)])
            #expect(throws: BlobError.requestBodyTooLarge(bytesMax: 10)) {
                try store.commitBlockList(a, tooBig, condition: .none, contentType: "b", blobBytesMax: 10)
            }
        }
    }

    @Test func reopenKeepsBlobsAndStagedBlocksAndDropsTheRemainsOfACrash() async throws {
        try await withScratchDirectory { directory in
            let a = try address("d1/a.txt"), b = try address("x", container: "exports")
            do {
                let store = try open(directory)
                _ = try write(store, a, Array("kept".utf8))
                _ = try write(store, b, Array("also".utf8))
                try stage(store, a, "QUFB", [1, 2, 3])
                try store.delete(b)
                // A write that never committed, and content no record names (a crash between renames).
                let abandoned = try store.writeBlob(a, contentType: "x")
                try abandoned.append([9, 9])
                FileManager.default.createFile(atPath: "\(directory)/blobs/nave-uploads/\(a.storageKey).0xDEAD.blob", contents: Data([7]))
                _ = abandoned
            }
            let store = try open(directory)
            #expect(try read(store, a) == Array("kept".utf8))
            #expect(try store.properties(of: b) == nil)
            #expect(store.usage().totalBytes == 7)
            #expect(try store.list(container: "nave-uploads", prefix: "d1/").map(\.address.name) == ["d1/a.txt"])
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/blobs/nave-uploads/\(a.storageKey).0xDEAD.blob"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/blobs/.tmp").isEmpty)
        }
    }

    @Test func blobKeyIsMadeOnceAndReadBack() async throws {
        try await withScratchDirectory { directory in
            let key = try DataDirectory.blobKey(in: directory, random: random)
            #expect(key.count == 32)
            #expect(try DataDirectory.blobKey(in: directory, random: SeededHubRandom(seed: 2)) == key)
            let mode = try FileManager.default.attributesOfItem(atPath: directory + "/blobs.key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }
}
