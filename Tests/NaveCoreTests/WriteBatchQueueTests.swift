import NaveCore
import Testing

@Suite("WriteBatchQueue: one drainer, batches in posting order")
struct WriteBatchQueueTests {
    @Test("only the first post of an idle queue starts a drainer; nextBatch hands everything out, oldest first, then stops it")
    func oneDrainerAtATime() {
        let queue = WriteBatchQueue<Int>()
        #expect(queue.post(1))
        #expect(!queue.post(2))
        #expect(!queue.post(3))
        #expect(queue.nextBatch() == [1, 2, 3])
        #expect(!queue.post(4), "the drainer is still running until nextBatch finds nothing")
        #expect(queue.nextBatch() == [4])
        #expect(queue.nextBatch() == nil)
        #expect(queue.post(5), "after nil the next post starts a new drainer")
    }

    @Test("a burst longer than batchCountMax comes out in batches of at most that many, in order")
    func boundedBatches() {
        let queue = WriteBatchQueue<Int>(batchCountMax: 2)
        for item in 1...5 { _ = queue.post(item) }
        #expect(queue.nextBatch() == [1, 2])
        #expect(queue.nextBatch() == [3, 4])
        #expect(queue.nextBatch() == [5])
        #expect(queue.nextBatch() == nil)
    }
}
