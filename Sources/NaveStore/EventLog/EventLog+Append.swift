import NaveModel

extension EventLog {
    /// Stores `events`, each in its device's partition, and returns their positions in the same
    /// order once all of them are durable. Events of one device keep their order within a call
    /// and across calls made one after another.
    ///
    /// Throws before queueing anything when an event is over `recordBytesMax` or one
    /// partition's share is over `pendingAppendBytesMax`. When a partition fails the call throws;
    /// events that went to other partitions may still be stored (Event Hubs delivery is at least
    /// once: the device sends again). Once called, an append is written even if the calling task
    /// is cancelled: the caller learns the outcome, never a half-known state.
    public func append(_ events: [EventData]) async throws -> [EventPosition] {
        guard !events.isEmpty else { return [] }
        let parts = try split(events)
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(parts, eventCount: events.count, waiter: .continuation(continuation))
        }
    }

    /// `append(_:)` without a task: queues `events` now and calls `completion` from the
    /// partition's writer thread once all are durable (or one part failed). A size refusal is
    /// thrown before anything is queued. Calls made one after another keep each device's order,
    /// as `append(_:)` does. For callers on an event loop that answer from the callback
    /// (telemetry's PUBACK): no continuation and no task per message.
    public func append(_ events: [EventData],
                       completion: @escaping @Sendable (Result<[EventPosition], any Error>) -> Void) throws(EventLogError) {
        guard !events.isEmpty else { return completion(.success([])) }
        enqueue(try split(events), eventCount: events.count, waiter: .callback(completion))
    }

    private func enqueue(_ parts: [Part], eventCount: Int, waiter: AppendCompletion.Waiter) {
        let completion = AppendCompletion(eventCount: eventCount, parts: parts.count, waiter: waiter)
        for part in parts {
            do throws(EventLogError) {
                try partitions[part.partition].queue.enqueue(
                    PendingAppend(events: part.events, indices: part.indices, bytes: part.bytes, completion: completion))
            } catch {
                completion.fail(error)
                return
            }
        }
    }

    /// Stores one event; returns its position once it is durable.
    public func append(_ event: EventData) async throws -> EventPosition {
        try await append([event])[0]
    }

    private struct Part {
        var partition: Int
        var events: [EventData] = []
        /// Nil when the call went to one partition only (the common case: no index arrays).
        var indices: [Int]?
        var bytes = 0
    }

    /// Groups `events` by partition and checks their sizes.
    private func split(_ events: [EventData]) throws(EventLogError) -> [Part] {
        var parts: [Part]
        if events.allSatisfy({ $0.deviceID == events[0].deviceID }) {
            // The usual call: one event, or several of one device. The caller's array goes on as
            // it is: no copy, no index array.
            parts = [Part(partition: partition(forDeviceID: events[0].deviceID), events: events)]
            for event in events { parts[0].bytes += try frameBytes(of: event) }
        } else {
            parts = []
            for (index, event) in events.enumerated() {
                let partition = partition(forDeviceID: event.deviceID)
                // A handful of parts at most: a linear search beats hashing here.
                var number = parts.firstIndex { $0.partition == partition } ?? parts.count
                if number == parts.count {
                    parts.append(Part(partition: partition, indices: []))
                    number = parts.count - 1
                }
                parts[number].events.append(event)
                parts[number].indices?.append(index)
                parts[number].bytes += try frameBytes(of: event)
            }
        }
        for part in parts where part.bytes > configuration.pendingAppendBytesMax {
            throw .appendTooLarge(bytes: part.bytes, pendingAppendBytesMax: configuration.pendingAppendBytesMax)
        }
        return parts
    }

    /// The event's size on disk, or `recordTooLarge`.
    private func frameBytes(of event: EventData) throws(EventLogError) -> Int {
        let payloadBytes = EventRecordCodec.payloadBytes(of: event)
        guard payloadBytes <= configuration.recordBytesMax else {
            throw .recordTooLarge(payloadBytes: payloadBytes, recordBytesMax: configuration.recordBytesMax)
        }
        return EventFrame.frameBytes(payloadBytes: payloadBytes)
    }
}
