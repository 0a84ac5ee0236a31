import NaveModel

/// What a device answered to a direct method (contract §4.3 `CloudToDeviceMethodResult`):
/// its own status, which the REST API puts in the body, never in the HTTP status (§4.4 step 6).
public struct MethodResult: Sendable, Equatable {
    /// The status the device published on `$iothub/methods/res/{status}/` (200, 404, 500, …).
    public var status: Int
    /// Always one valid JSON text: the device's payload as it sent it, `null` when it sent
    /// nothing, or a JSON string holding what it sent when that was not JSON.
    public var payload: [UInt8]

    public init(status: Int, payload: [UInt8]) {
        self.status = status
        self.payload = payload
    }
}

/// One call waiting in `DirectMethods`: the request, where it is in its life, and the one
/// timer it has at a time (the next look for the device, or the response timeout).
struct PendingMethodCall {
    enum Phase: Equatable {
        /// Not delivered: the device is not connected (or not subscribed) yet.
        case awaitingDevice
        /// Published to the device's connection; waiting for its answer.
        case delivered
    }

    let key: IdentityKey
    let request: MethodRequest
    let responseTimeoutSeconds: Int
    let connectTimeoutSeconds: Int
    /// What is left of the connect timeout, milliseconds; every wait for the device spends it.
    var connectWaitLeftMillis: Int64
    var phase = Phase.awaitingDevice
    /// Bumped at every phase change, so a timer that fired as it was being cancelled does
    /// nothing to the phase that followed.
    var epoch: UInt64 = 0
    var timer: ScheduledAction?
    let continuation: CheckedContinuation<Result<MethodResult, HubError>, Never>
}
