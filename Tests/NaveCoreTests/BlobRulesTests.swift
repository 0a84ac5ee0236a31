import NaveCore
import NaveModel
import Testing

@Suite struct BlobRulesTests {
    let signer = BlobSASSigner(key: Array(repeating: 7, count: 32))
    let now = Timestamp(secondsSinceEpoch: 1_700_000_000)

    func items(_ token: String) -> [(name: String, value: String)] {
        token.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]).removingPercentEscapes())
        }
    }

    @Test func sasGrantsItsBlobUntilExpiry() throws {
        let address = try BlobAddress(container: "nave-uploads", name: "dev1/a.txt")
        let token = signer.token(for: .blob(address), permissions: [.read, .write], expiry: Timestamp(secondsSinceEpoch: 1_700_003_600))
        try signer.verify(items(token), for: address, needs: .write, now: now)
        #expect(throws: BlobError.self) { try signer.verify(items(token), for: address, needs: .delete, now: now) }
        #expect(throws: BlobError.self) {
            try signer.verify(items(token), for: try BlobAddress(container: "nave-uploads", name: "dev1/b.txt"), needs: .read, now: now)
        }
        #expect(throws: BlobError.self) {
            try signer.verify(items(token), for: address, needs: .read, now: Timestamp(secondsSinceEpoch: 1_700_003_600))
        }
        var tampered = items(token)
        tampered[tampered.firstIndex { $0.name == "sp" }!].value = "rwd"
        #expect(throws: BlobError.self) { try signer.verify(tampered, for: address, needs: .read, now: now) }
    }

    @Test func containerSASCoversEveryBlobOfItsContainerOnly() throws {
        let token = signer.token(for: .container("exports"), permissions: [.read], expiry: Timestamp(secondsSinceEpoch: 1_800_000_000))
        try signer.verify(items(token), for: try BlobAddress(container: "exports", name: "devices.txt"), needs: .read, now: now)
        #expect(throws: BlobError.self) {
            try signer.verify(items(token), for: try BlobAddress(container: "imports", name: "devices.txt"), needs: .read, now: now)
        }
    }

    @Test func namesRefuseHubRoutesAndBadSegments() {
        #expect(throws: BlobError.self) { try BlobAddress(container: "devices", name: "x") }
        #expect(throws: BlobError.self) { try BlobAddress(container: "Bad", name: "x") }
        #expect(throws: BlobError.self) { try BlobAddress(container: "ok-name", name: "a/../b") }
        #expect(throws: BlobError.self) { try BlobAddress(container: "a--b", name: "x") }
        #expect((try? BlobAddress(container: "nave-uploads", name: "dev1/logs/a.txt")) != nil)
    }

    @Test func blockListParsesSourcesInOrderAndEnforcesIDRules() throws {
        let xml = "<?xml version='1.0' encoding='utf-8'?>\n<BlockList><Latest>QUFB</Latest><Committed>QkJC</Committed><Uncommitted>Q0ND</Uncommitted></BlockList>"
        let list = try BlobBlockList(xml: Array(xml.utf8))
        #expect(list.entries.map(\.source) == [.latest, .committed, .uncommitted])
        #expect(list.entries.map(\.blockID.text) == ["QUFB", "QkJC", "Q0ND"])
        // Ids of one blob must have one length; ids must be base64.
        #expect(throws: BlobError.self) { try BlobBlockList(xml: Array("<BlockList><Latest>QUFB</Latest><Latest>QUFBQQ==</Latest></BlockList>".utf8)) }
        #expect(throws: BlobError.self) { try BlobBlockList(xml: Array("<BlockList><Latest>***</Latest></BlockList>".utf8)) }
        #expect(throws: BlobError.self) { try BlobBlockList(xml: Array("<BlockList><Other>QUFB</Other></BlockList>".utf8)) }
    }

    @Test func rangesResolveAgainstTheBlobSize() throws {
        #expect(try BlobRangeRequest(header: "bytes=0-33554431")!.resolved(size: 11) == 0...10)
        #expect(try BlobRangeRequest(header: "bytes=5-")!.resolved(size: 11) == 5...10)
        #expect(try BlobRangeRequest(header: "bytes=-4")!.resolved(size: 11) == 7...10)
        #expect(BlobRangeRequest(header: "bytes=5-2") == nil)
        #expect(BlobRangeRequest(header: "bytes=0-1,4-5") == nil)
        // An empty blob's ranged read is 416 (the SDK then reads it whole).
        #expect(throws: BlobError.invalidRange()) { try BlobRangeRequest(header: "bytes=0-100")!.resolved(size: 0) }
    }
}

extension String {
    func removingPercentEscapes() -> String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
