import NaveTestSupport
import NaveCore
import NaveModel
import Synchronization

/// A device connection for method tests: records the method requests delivered to it and,
/// when told to, reacts at once (answers, or reports it cannot take them) — the way the MQTT
/// adapter calls the service back.
final class MethodTestDevice: LiveConnection {
    enum Reaction: Sendable {
        /// Keep the request; the test answers later (or never).
        case hold
        /// Answer with this status and payload.
        case answer(status: Int, payload: String)
        /// Not subscribed to methods: report the request undeliverable.
        case unreachable
    }

    let key: IdentityKey
    private let service: DirectMethods
    private let received = Mutex<[MethodRequest]>([])
    private let reactions = Mutex<[Reaction]>([])
    private let fallback: Reaction

    /// `reactions` are used one per request, in order; then `fallback` for the rest.
    init(_ key: IdentityKey, service: DirectMethods, reactions: [Reaction] = [], fallback: Reaction = .hold) {
        self.key = key
        self.service = service
        self.reactions.withLock { $0 = reactions }
        self.fallback = fallback
    }

    var requests: [MethodRequest] { received.withLock { $0 } }

    func revoke(_ reason: RevocationReason) {}

    func deliver(_ delivery: DeviceDelivery) {
        guard case .methodRequest(let request) = delivery else { return }
        received.withLock { $0.append(request) }
        let reaction = reactions.withLock { $0.isEmpty ? fallback : $0.removeFirst() }
        switch reaction {
        case .hold: break
        case .answer(let status, let payload):
            service.deviceAnswered(key, requestID: request.requestID, status: status, payload: Array(payload.utf8))
        case .unreachable:
            service.deviceUnreachable(key, requestID: request.requestID)
        }
    }

    /// Waits (bounded) until `count` requests arrived; returns them.
    func waitForRequests(_ count: Int) async throws -> [MethodRequest] {
        try await eventually { self.requests.count >= count }
        return requests
    }
}

/// A hub with `dev1` and its module `mod1`, direct methods on a manual scheduler.
struct MethodFixture {
    let registry: IdentityRegistry
    let scheduler = ManualScheduler()
    let methods: DirectMethods
    static let device = IdentityKey(deviceID: "dev1")
    static let module = IdentityKey(deviceID: "dev1", moduleID: "mod1")

    init(limits: DirectMethodLimits = DirectMethodLimits()) async throws {
        registry = try await makeRegistry()
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "mod1"), ifMatch: nil)
        methods = DirectMethods(registry: registry, scheduler: scheduler, random: SeededHubRandom(), limits: limits)
    }

    /// A connected device (or module) reacting as told.
    @discardableResult
    func connect(_ key: IdentityKey = Self.device, reactions: [MethodTestDevice.Reaction] = [],
                 fallback: MethodTestDevice.Reaction = .hold) -> MethodTestDevice {
        let device = MethodTestDevice(key, service: methods, reactions: reactions, fallback: fallback)
        registry.connections.register(device, as: key, at: Timestamp(secondsSinceEpoch: 1_700_000_000))
        return device
    }

    func disconnect(_ device: MethodTestDevice) {
        registry.connections.unregister(device, as: device.key, at: Timestamp(secondsSinceEpoch: 1_700_000_001))
    }

    /// Starts a call in its own task, as the REST API would.
    func call(_ key: IdentityKey = Self.device, method: String = "reboot", payload: String = #"{"delay":1}"#,
              responseTimeoutSeconds: Int = 30, connectTimeoutSeconds: Int = 0) -> Task<Result<MethodResult, HubError>, Never> {
        let methods = methods
        return Task {
            do throws(HubError) {
                return .success(try await methods.invoke(key, method: method, payload: Array(payload.utf8),
                                                         responseTimeoutSeconds: responseTimeoutSeconds,
                                                         connectTimeoutSeconds: connectTimeoutSeconds))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Moves the manual scheduler on in `stepMillis` steps, so work scheduled by what fired
    /// (the next connect poll) runs when it comes due too.
    func advance(millis: Int64, stepMillis: Int64 = 100) {
        var left = millis
        while left > 0 {
            let step = min(stepMillis, left)
            scheduler.advance(millis: step)
            left -= step
        }
    }

    /// Waits (bounded) until `count` calls are pending.
    func waitForPending(_ count: Int) async throws {
        try await eventually { self.methods.pendingCallCount == count }
    }
}

struct NeverHappened: Error, CustomStringConvertible {
    var description: String { "the condition did not become true within 5 s" }
}

/// Polls `condition` for up to 5 s (the tasks under test run on the cooperative pool).
func eventually(_ condition: () -> Bool) async throws {
    for _ in 0..<5_000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    if !condition() { throw NeverHappened() }
}

extension Result where Success == MethodResult, Failure == HubError {
    /// The error code, or 0 on success (compact expectations).
    var errorCode: Int {
        if case .failure(let error) = self { return error.code }
        return 0
    }

    var payloadText: String? {
        if case .success(let result) = self { return String(decoding: result.payload, as: UTF8.self) }
        return nil
    }
}
