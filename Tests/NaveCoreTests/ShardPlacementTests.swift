import NaveCore
import Synchronization
import Testing

/// The pieces that place the hub's shard actors: the stable hash that picks a key's shard, and
/// the loop-less placement's inbox (ordered, lossless).
@Suite("Shard placement")
struct ShardPlacementTests {
    @Test("a key's shard is FNV-1a of its UTF-8, the same in every process")
    func stableHash() {
        // FNV-1a 64 of "dev1" is 11958558287538268503 (computed independently).
        #expect(ShardHash.index(of: "dev1", shardCount: 7) == Int(UInt64(11_958_558_287_538_268_503) % 7))
        #expect(ShardHash.index(of: "dev1", shardCount: 2) == 1)
        #expect(ShardHash.index(of: "anything", shardCount: 1) == 0)
    }

    @Test("device ids spread evenly over the shards")
    func spread() {
        var counts = [Int](repeating: 0, count: 4)
        for index in 0..<4_000 { counts[ShardHash.index(of: "device-\(index)", shardCount: 4)] += 1 }
        #expect(counts.allSatisfy { (850...1_150).contains($0) }, "\(counts)")
    }

    /// Counts what reaches it, per sender, and checks each sender's order.
    actor Receiver {
        var received: [Int: Int] = [:]
        var outOfOrder = 0

        func take(_ message: (sender: Int, sequence: Int)) {
            if received[message.sender, default: 0] != message.sequence { outOfOrder += 1 }
            received[message.sender, default: 0] = message.sequence + 1
        }

        var total: Int { received.values.reduce(0, +) }
    }

    @Test("the loop-less inbox hands every message to its actor, each sender's in order")
    func serialInbox() async {
        let receiver = Receiver()
        let inbox = UnpinnedShards().makeInbox(home: 0, of: (sender: Int, sequence: Int).self)
        inbox.bind(receiver) { receiver, message in receiver.take(message) }
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<8 {
                group.addTask {
                    for sequence in 0..<500 { inbox.send((sender, sequence)) }
                }
            }
        }
        var waited = 0
        while await receiver.total < 4_000, waited < 5_000 {
            try? await Task.sleep(for: .milliseconds(1))
            waited += 1
        }
        #expect(await receiver.total == 4_000)
        #expect(await receiver.outOfOrder == 0)
    }
}
