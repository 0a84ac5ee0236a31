import NaveModel
import Synchronization

/// IoT Hub's direct methods (contract §4.4 "Direct method flow", §1.9): a back end calls a
/// method on a connected device and waits for its answer.
///
/// Each call is a small state machine kept in one table under a lock:
///
/// 1. *awaiting device* — the identity has no live connection yet. It is looked for again
///    every `connectPollMillis` until `connectTimeoutInSeconds` is spent (the default 0 looks
///    once), then the call fails with 404103 DeviceNotOnline.
/// 2. *delivered* — `.methodRequest` went to the device's newest connection and the response
///    timer runs. The device's answer (`deviceAnswered`) completes the call; the response
///    timeout fails it with 504101 GatewayTimeout. A connection that cannot take the request
///    (not subscribed to `$iothub/methods/POST/#`, or already closing) says so through
///    `deviceUnreachable`: the call goes back to 1 while connect time is left (the SDK connects
///    before it subscribes), else fails with 404103 at once.
///
/// A device that disconnects after the request was published is not watched: the SDK drops
/// requests it had not answered when it disconnects (§1.9) and never answers them after it
/// reconnects, so the call ends as IoT Hub's does, with 504101 at the response timeout —
/// IoT Hub documents 404103 only for a device that was not online when the call was made.
///
/// Every call resumes its waiter exactly once: whoever removes it from the table (answer,
/// timeout, unreachable, cancellation) resumes it, and only after leaving the lock. Answers
/// for calls no longer in the table (late, duplicated, from another identity) are ignored.
public final class DirectMethods: Sendable {
    private let registry: IdentityRegistry
    private let scheduler: any HubScheduler
    public let limits: DirectMethodLimits
    /// Random per process, so a device answering a call of an earlier run (it reconnected to a
    /// restarted node) cannot match a new call's id.
    private let requestIDPrefix: String
    private let state = Mutex(State())

    private struct State {
        var calls: [String: PendingMethodCall] = [:]
        var requestCount: UInt64 = 0
        var outcomes = MethodCallOutcomes()
    }

    public init(registry: IdentityRegistry, scheduler: any HubScheduler, random: any HubRandom,
                limits: DirectMethodLimits = DirectMethodLimits()) {
        precondition(limits.invalidReason == nil, "direct methods: \(limits.invalidReason ?? "")")
        self.registry = registry
        self.scheduler = scheduler
        self.limits = limits
        requestIDPrefix = random.bytes(4).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Calls direct method `method` on device or module `key` with `payload` (JSON text; empty
    /// means none) and returns the device's answer.
    ///
    /// Throws 400004 for timeouts out of range or a bad name or payload, 413001 for a payload
    /// over 128 KB, 404001/404010 for an unknown identity, 429001 when `pendingCallsMax` calls
    /// are already waiting, 404103 when the device is not connected and subscribed within
    /// `connectTimeoutSeconds`, 504101 when it does not answer within `responseTimeoutSeconds`,
    /// and 503001 when the calling task is cancelled.
    public func invoke(_ key: IdentityKey, method: String, payload: [UInt8],
                       responseTimeoutSeconds: Int = DirectMethodLimits.responseTimeoutSecondsDefault,
                       connectTimeoutSeconds: Int = DirectMethodLimits.connectTimeoutSecondsDefault) async throws(HubError) -> MethodResult {
        try limits.validate(method: method, payload: payload, responseTimeoutSeconds: responseTimeoutSeconds,
                            connectTimeoutSeconds: connectTimeoutSeconds)
        try requireIdentity(key)
        let requestID = nextRequestID()
        let request = MethodRequest(name: method, requestID: requestID, payload: payload)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let call = PendingMethodCall(key: key, request: request, responseTimeoutSeconds: responseTimeoutSeconds,
                                             connectTimeoutSeconds: connectTimeoutSeconds,
                                             connectWaitLeftMillis: Int64(connectTimeoutSeconds) * 1000, continuation: continuation)
                start(call)
            }
        } onCancel: {
            finish(requestID, .failure(.serviceUnavailable("The direct method call was cancelled.")))
        }
        return try result.get()
    }

    /// Calls waiting for a device or its answer.
    public var pendingCallCount: Int { state.withLock { $0.calls.count } }

    /// How calls ended since start (what a metrics scrape reads).
    public var outcomes: MethodCallOutcomes { state.withLock { $0.outcomes } }

    // MARK: The device side (through `Hub`)

    public func deviceAnswered(_ key: IdentityKey, requestID: String, status: Int, payload: [UInt8]) {
        let outcome = limits.normalizedAnswer(payload).map { MethodResult(status: status, payload: $0) }
        let answered = state.withLock { state -> PendingMethodCall? in
            guard let call = state.calls[requestID], call.key == key, call.phase == .delivered else { return nil }
            state.outcomes.answered += 1
            return state.calls.removeValue(forKey: requestID)
        }
        guard let answered else { return } // late (timed out), duplicated, or not this identity's call
        answered.timer?.cancel()
        answered.continuation.resume(returning: outcome)
    }

    public func deviceUnreachable(_ key: IdentityKey, requestID: String) {
        let failed = state.withLock { state -> PendingMethodCall? in
            guard var call = state.calls[requestID], call.key == key, call.phase == .delivered else { return nil }
            call.timer?.cancel()
            guard call.connectWaitLeftMillis > 0 else {
                state.outcomes.unreachable += 1
                return state.calls.removeValue(forKey: requestID)
            }
            // Still inside the connect timeout: the device may be about to subscribe.
            call.phase = .awaitingDevice
            call.epoch += 1
            call.timer = schedulePoll(&call)
            state.calls[requestID] = call
            return nil
        }
        guard let failed else { return }
        failed.continuation.resume(returning: .failure(deviceNotOnline(failed)))
    }

    // MARK: The call's life

    /// Admits a call (or refuses it over `pendingCallsMax`) and makes its first attempt, in
    /// one step under the lock: once a call counts as pending, its first timer is set.
    private func start(_ call: PendingMethodCall) {
        var call = call
        let requestID = call.request.requestID
        // Looked up outside our lock: the connection table has its own.
        let connection = registry.connections.connection(of: call.key)
        let first = state.withLock { state -> Step? in
            guard state.calls.count < limits.pendingCallsMax else {
                state.outcomes.throttled += 1
                return nil
            }
            let step = advance(&call, connection: connection)
            if step != .notOnline { state.calls[requestID] = call } else { state.outcomes.unreachable += 1 }
            return step
        }
        guard let first else {
            return call.continuation.resume(returning: .failure(.throttled("Too many direct method calls are waiting (\(limits.pendingCallsMax)).")))
        }
        carryOut(first, call, connection)
        // A cancellation that came before the call was in the table found nothing to finish.
        if Task.isCancelled { finish(requestID, .failure(.serviceUnavailable("The direct method call was cancelled."))) }
    }

    /// A connect poll came due: looks for the device again.
    private func attempt(_ requestID: String, epoch: UInt64) {
        guard let key = state.withLock({ $0.calls[requestID]?.key }) else { return }
        let connection = registry.connections.connection(of: key)
        let next = state.withLock { state -> (Step, PendingMethodCall)? in
            guard var call = state.calls[requestID], call.phase == .awaitingDevice, call.epoch == epoch else { return nil }
            let step = advance(&call, connection: connection)
            state.calls[requestID] = step == .notOnline ? nil : call
            if step == .notOnline { state.outcomes.unreachable += 1 }
            return (step, call)
        }
        if let (step, call) = next { carryOut(step, call, connection) }
    }

    private enum Step {
        case deliver, wait, notOnline
    }

    /// Under the lock: moves a call that awaits its device on. With a connection it is
    /// delivered and its response timer set; without, it waits a poll interval if connect time
    /// is left, else it is not online (the caller drops it from the table).
    private func advance(_ call: inout PendingMethodCall, connection: (any LiveConnection)?) -> Step {
        call.epoch += 1
        if connection != nil {
            call.phase = .delivered
            let requestID = call.request.requestID
            let epoch = call.epoch
            call.timer = scheduler.schedule(afterMillis: Int64(call.responseTimeoutSeconds) * 1000) { [self] in
                responseTimedOut(requestID, epoch: epoch)
            }
            return .deliver
        }
        guard call.connectWaitLeftMillis > 0 else { return .notOnline }
        call.timer = schedulePoll(&call)
        return .wait
    }

    /// Outside the lock, what `advance` decided: a connection may report back
    /// (`deviceUnreachable`) or the device answer before `deliver` returns.
    private func carryOut(_ step: Step, _ call: PendingMethodCall, _ connection: (any LiveConnection)?) {
        switch step {
        case .deliver:
            connection?.deliver(.methodRequest(call.request))
        case .notOnline:
            call.continuation.resume(returning: .failure(deviceNotOnline(call)))
        case .wait:
            break
        }
    }

    /// Schedules the next look for the device and spends the wait from the connect timeout.
    /// Called under the lock; `HubScheduler` never runs an action inside `schedule`.
    private func schedulePoll(_ call: inout PendingMethodCall) -> ScheduledAction {
        let waitMillis = min(limits.connectPollMillis, call.connectWaitLeftMillis)
        call.connectWaitLeftMillis -= waitMillis
        let requestID = call.request.requestID
        let epoch = call.epoch
        return scheduler.schedule(afterMillis: waitMillis) { [self] in attempt(requestID, epoch: epoch) }
    }

    private func responseTimedOut(_ requestID: String, epoch: UInt64) {
        let expired = state.withLock { state -> PendingMethodCall? in
            guard let call = state.calls[requestID], call.phase == .delivered, call.epoch == epoch else { return nil }
            state.outcomes.timeout += 1
            return state.calls.removeValue(forKey: requestID)
        }
        guard let expired else { return }
        expired.continuation.resume(returning: .failure(.gatewayTimeout(deviceID: expired.key.deviceID,
                                                                        responseTimeoutSeconds: expired.responseTimeoutSeconds)))
    }

    /// Ends a call with `outcome` if it is still waiting (cancellation).
    private func finish(_ requestID: String, _ outcome: Result<MethodResult, HubError>) {
        let removed = state.withLock { state -> PendingMethodCall? in
            guard let call = state.calls.removeValue(forKey: requestID) else { return nil }
            state.outcomes.cancelled += 1
            return call
        }
        guard let call = removed else { return }
        call.timer?.cancel()
        call.continuation.resume(returning: outcome)
    }

    // MARK: Helpers

    private func deviceNotOnline(_ call: PendingMethodCall) -> HubError {
        .deviceNotOnline(deviceID: call.key.deviceID, connectTimeoutSeconds: call.connectTimeoutSeconds)
    }

    /// 404001 for an unknown device, 404010 for an unknown module (contract §4.4 step 1).
    /// Asks for the generation id, not the identity: a copy of the whole identity per call
    /// only to see that it exists cost more than the lookup.
    private func requireIdentity(_ key: IdentityKey) throws(HubError) {
        guard registry.generationID(of: IdentityKey(deviceID: key.deviceID)) != nil else {
            throw .deviceNotFound(deviceID: key.deviceID)
        }
        if let moduleID = key.moduleID, registry.generationID(of: key) == nil {
            throw .moduleNotFound(deviceID: key.deviceID, moduleID: moduleID)
        }
    }

    /// `{random prefix}-{count}`: unique per call and per process, safe in a topic as it is.
    private func nextRequestID() -> String {
        let count = state.withLock { state -> UInt64 in
            state.requestCount += 1
            return state.requestCount
        }
        return "\(requestIDPrefix)-\(count)"
    }
}
