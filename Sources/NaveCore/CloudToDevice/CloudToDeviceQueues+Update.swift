import NaveEncoding
import NaveModel

/// How the queues run a transition: under the lock, with its changes posted in order and its
/// deliveries handed out, optionally waiting until the store has the changes.
extension CloudToDeviceQueues {
    /// Runs `transition` on the device's queue under the lock and posts its changes there (so
    /// the store sees them in order); `done` learns when they are stored. Deliveries are handed
    /// to their connections under the lock too, so a device gets them in the order they were
    /// locked: `LiveConnection.deliver` only queues the delivery to the connection's loop and
    /// must never call back into the queues synchronously. A transition that throws changes
    /// nothing and posts nothing.
    @discardableResult
    func update<T: Sendable, Failure: Error>(
        _ deviceID: String, done: (@Sendable (Result<T, HubError>) -> Void)? = nil,
        _ transition: (inout DeviceQueue, inout Outcome, Context) throws(Failure) -> T
    ) throws(Failure) -> T {
        let context = Context(now: clock.now(), generationID: registry.device(deviceID)?.generationID)
        var outcome = Outcome()
        let value = try state.withLock { state throws(Failure) -> T in
            var queue = state.devices.removeValue(forKey: deviceID) ?? DeviceQueue()
            let result: Result<T, Failure>
            do throws(Failure) {
                result = .success(try transition(&queue, &outcome, context))
            } catch {
                result = .failure(error)
            }
            if !queue.isIdle { state.devices[deviceID] = queue }
            if case .success(let value) = result {
                var stored: CloudToDeviceStoreWriter.Done?
                if let done {
                    stored = { failure in done(failure.map { .failure($0) } ?? .success(value)) }
                }
                post(outcome, done: stored)
            }
            for (connection, delivery) in outcome.deliveries { connection.deliver(.cloudToDevice(delivery)) }
            return try result.get()
        }
        return value
    }

    /// `update` that returns once the transition's changes are stored.
    func updateDurably<T: Sendable>(_ deviceID: String,
                                    _ transition: (inout DeviceQueue, inout Outcome, Context) throws(HubError) -> T) async throws(HubError) -> T {
        let result: Result<T, HubError> = await withCheckedContinuation { continuation in
            do throws(HubError) {
                try update(deviceID, done: { continuation.resume(returning: $0) }, transition)
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    fileprivate func post(_ outcome: Outcome, done: CloudToDeviceStoreWriter.Done?) {
        let records = outcome.feedback
        let feedback = feedback
        writer.post(outcome.changes) { failure in
            // Feedback is offered only once stored, so a completed batch is never resurrected.
            if failure == nil { feedback.publish(records) }
            done?(failure)
        }
    }

    func newLockToken() -> String { Self.uuid(random.bytes(16)) }

    /// A version-4 UUID's text from 16 random bytes: IoT Hub's lock tokens and message ids look so.
    static func uuid(_ bytes: [UInt8]) -> String {
        var bytes = bytes
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Hex.encode(bytes)
        let text = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(text[$0]) }.joined(separator: "-")
    }
}
