import Glibc
@testable import NaveIO
import Testing

@Suite("Outbound queue")
struct OutboundQueueTests {
    @Test("bytes spread over pooled chunks come out in order across partial sends, and drained chunks return to the pool")
    func appendConsumeAcrossChunks() {
        let pool = ChunkPool(chunkBytes: 1024, cachedChunksMax: 8)
        var queue = OutboundQueue()
        let payload = patternBytes(5000)
        payload.withUnsafeBytes { queue.append($0, pool: pool) }
        #expect(queue.pendingBytes == 5000)
        var sent: [UInt8] = []
        // Partial sends of odd sizes, as the kernel may complete them.
        while let region = queue.unsentRegion {
            let take = min(region.count, 333)
            sent.append(contentsOf: region.prefix(take))
            queue.consume(take, pool: pool)
        }
        #expect(queue.isEmpty)
        expectSameBytes(sent, payload)
        // Every chunk went back: the next 5000 bytes need no new allocation beyond the pool.
        let reused = pool.take(minimumBytes: 10)
        #expect(reused.capacity == pool.payloadBytes)
        pool.give(reused)
    }

    @Test("gather hands writev every non-empty chunk; reserved writes that wrote nothing are skipped")
    func gatherSkipsEmptyChunks() {
        let pool = ChunkPool(chunkBytes: 256, cachedChunksMax: 8)
        var queue = OutboundQueue()
        queue.append(reserving: 100, pool: pool) { _ in 0 }
        queue.append(reserving: 200, pool: pool) { buffer in
            buffer.initializeMemory(as: UInt8.self, repeating: 7)
            return 200
        }
        let vectors = UnsafeMutableBufferPointer<iovec>.allocate(capacity: 4)
        defer { vectors.deallocate() }
        #expect(queue.gather(into: vectors) == 1)
        #expect(vectors[0].iov_len == 200)
        #expect(queue.unsentRegion?.count == 200)
        queue.consume(200, pool: pool)
        #expect(queue.isEmpty)
    }

    @Test("a write larger than a chunk gets a chunk of its own size, freed rather than pooled")
    func oversizedReservation() {
        let pool = ChunkPool(chunkBytes: 512, cachedChunksMax: 8)
        var queue = OutboundQueue()
        queue.append(reserving: 4096, pool: pool) { $0.count }
        #expect(queue.unsentRegion?.count == 4096)
        queue.discardAll(pool: pool)
        #expect(queue.isEmpty)
    }
}
