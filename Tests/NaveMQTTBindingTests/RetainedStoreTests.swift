import NaveMQTT
import NaveMQTTBinding
import Testing

/// Retained messages (§3.3.1.3).
@Suite("Retained store")
struct RetainedStoreTests {
    @Test("store, replace, clear with an empty payload, and the size cap")
    func lifecycle() {
        var store = MQTTRetainedStore(retainedMessagesMax: 2)
        #expect(store.retain(MQTTPublish(topic: "a/b", payload: [1], qos: .atLeastOnce, retain: true, dup: true, packetID: 5)) == .stored)
        #expect(store.retain(MQTTPublish(topic: "a/b", payload: [2], retain: true)) == .replaced)
        #expect(store.retain(MQTTPublish(topic: "a/c", payload: [3], retain: true)) == .stored)
        #expect(store.retain(MQTTPublish(topic: "a/d", payload: [4], retain: true)) == .refusedFull)
        #expect(store.matching(filter: "a/b").map(\.payload) == [[2]])
        #expect(Set(store.matching(filter: "a/+").map(\.payload)) == [[2], [3]])
        #expect(store.matching(filter: "#").count == 2)
        #expect(store.retain(MQTTPublish(topic: "a/b", payload: [], retain: true)) == .cleared)
        #expect(store.retain(MQTTPublish(topic: "a/b", payload: [], retain: true)) == .nothingToClear)
        #expect(store.matching(filter: "a/b").isEmpty)
        #expect(store.count == 1)
    }

    @Test("stored copies carry RETAIN 1, no DUP, no packet identifier; $ topics follow §4.7.2")
    func storedForm() {
        var store = MQTTRetainedStore(retainedMessagesMax: 10)
        _ = store.retain(MQTTPublish(topic: "x", payload: [1], qos: .exactlyOnce, retain: true, dup: true, packetID: 9))
        _ = store.retain(MQTTPublish(topic: "$SYS/up", payload: [1], retain: true))
        let m = store.matching(filter: "+")
        #expect(m.count == 1 && m[0].retain && !m[0].dup && m[0].packetID == nil && m[0].qos == .exactlyOnce)
        #expect(store.matching(filter: "#").map(\.topic) == ["x"])
        #expect(store.matching(filter: "$SYS/#").count == 1)
    }
}
