import NaveCore
import NaveModel
import NaveStore
import Synchronization
import Testing

/// An external endpoint fed from its durable log (issue #15): every message delivered in order
/// through failures, dead-lettered after its attempts, and resumed from the checkpoint.
@Suite("Endpoint delivery")
struct EndpointDeliveryTests {
    /// Real time, short waits: the delivery loop sleeps on it between attempts.
    struct TaskScheduler: HubScheduler {
        func schedule(afterMillis milliseconds: Int64, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
            let scheduled = ScheduledAction(action)
            Task {
                try? await Task.sleep(for: .milliseconds(milliseconds))
                scheduled.fire()
            }
            return scheduled
        }
    }

    /// Refuses while `failing` holds, and records what it took.
    final class Recorder: EndpointDeliverer {
        let taken = Mutex<[String]>([])
        let failing: @Sendable (String) -> Bool

        init(failing: @escaping @Sendable (String) -> Bool = { _ in false }) { self.failing = failing }

        func deliver(_ record: EventRecord, partition: Int) async -> String? {
            let body = String(decoding: record.body, as: UTF8.self)
            if failing(body) { return "refused" }
            taken.withLock { $0.append(body) }
            return nil
        }

        var bodies: [String] { taken.withLock { $0 } }
    }

    static let fast = EndpointDeliverySettings(attemptsMax: 4, backoffInitialMillis: 1, backoffMaxMillis: 4, batchMessagesMax: 3, pollMillis: 20)

    static func append(_ bodies: [String], to log: EventLog, device: String = "d1") async throws {
        let sink = EventLogTelemetrySink(log: log)
        for body in bodies { try await sink.append(TelemetryEvent(deviceID: device, message: DeviceMessage(body: Array(body.utf8)))) }
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<1_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }

    @Test("a deliverer that fails then recovers gets every message once, in order; after a restart only the new ones")
    func failThenRecover() async throws {
        try await withScratchDirectory { scratch in
            let log = try EventLog(directory: scratch + "/hook", clock: { Timestamp(secondsSinceEpoch: 1_700_000_000) })
            let dead = InMemoryTelemetrySink()
            let checkpoints = InMemoryCheckpointStore()
            let down = Mutex(true)
            let recorder = Recorder { _ in down.withLock { $0 } }
            let settings = EndpointDeliverySettings(attemptsMax: 1_000, backoffInitialMillis: 1, backoffMaxMillis: 4, batchMessagesMax: 3, pollMillis: 20)
            var delivery = EndpointDelivery(endpoint: "hook", source: log, checkpoints: checkpoints, deliverer: recorder,
                                            deadLetters: dead, settings: settings, scheduler: TaskScheduler())
            let first = (0..<7).map { "m\($0)" }
            try await Self.append(first, to: log)
            delivery.start()
            try await Self.waitUntil { delivery.counts.failedAttempts >= 3 }
            down.withLock { $0 = false }
            try await Self.waitUntil { recorder.bodies.count == 7 }
            #expect(recorder.bodies == first)
            #expect(dead.appended.isEmpty)
            await delivery.stop()

            try await Self.append(["m7", "m8"], to: log)
            let again = Recorder()
            delivery = EndpointDelivery(endpoint: "hook", source: log, checkpoints: checkpoints, deliverer: again,
                                        deadLetters: dead, settings: settings, scheduler: TaskScheduler())
            delivery.start()
            try await Self.waitUntil { again.bodies.count >= 2 }
            #expect(again.bodies == ["m7", "m8"], "resumed at the checkpoint")
            await delivery.stop()
            await log.close()
        }
    }

    @Test("a message refused attemptsMax times goes to the dead-letter log with its reason; the rest flow on")
    func deadLetter() async throws {
        try await withScratchDirectory { scratch in
            let log = try EventLog(directory: scratch + "/hook", clock: { Timestamp(secondsSinceEpoch: 1_700_000_000) })
            let dead = InMemoryTelemetrySink()
            let recorder = Recorder { $0 == "poison" }
            let delivery = EndpointDelivery(endpoint: "hook", source: log, checkpoints: InMemoryCheckpointStore(), deliverer: recorder,
                                            deadLetters: dead, settings: Self.fast, scheduler: TaskScheduler())
            try await Self.append(["a", "poison", "b"], to: log)
            delivery.start()
            try await Self.waitUntil { recorder.bodies.count == 2 }
            #expect(recorder.bodies == ["a", "b"])
            #expect(delivery.counts == EndpointDelivery.Counters(delivered: 2, failedAttempts: 4, deadLettered: 1))
            let letter = try #require(dead.appended.first)
            #expect(letter.message.body == Array("poison".utf8))
            #expect(letter.message.applicationProperties.contains(MessageProperty("deadLetterReason", "refused")))
            #expect(letter.message.applicationProperties.contains(MessageProperty("deliveryAttempts", "4")))
            await delivery.stop()
            await log.close()
        }
    }

    @Test("the envelope: JSON bodies as JSON, others as base64")
    func envelope() throws {
        let json = EventRecord(sequenceNumber: 0, offset: 0, enqueuedTime: Timestamp(secondsSinceEpoch: 1_700_000_000), data: EventData(
            deviceID: "d1", systemProperties: [EventProperty("content-type", "application/json"), EventProperty("content-encoding", "utf-8")],
            applicationProperties: [EventProperty("site", "north")], body: Array(#"{"temp":30}"#.utf8)))
        let envelope = RoutedMessageEnvelope.json(json)
        #expect(envelope["body"] == .object(JSONObject([("temp", .integer(30))])))
        #expect(envelope["bodyEncoding"] == nil)
        #expect(envelope["applicationProperties"]?["site"] == .string("north"))
        #expect(envelope["enqueuedTimeUtc"] == .string("2023-11-14T22:13:20Z"))
        var text = json
        text.systemProperties = []
        let base64 = RoutedMessageEnvelope.json(text)
        #expect(base64["body"] == .string("eyJ0ZW1wIjozMH0=") && base64["bodyEncoding"] == .string("base64"))
    }
}
