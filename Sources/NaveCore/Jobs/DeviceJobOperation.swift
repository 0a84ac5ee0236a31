import NaveModel

/// What one device's part of a job came to.
enum DeviceJobOutcome: Sendable {
    /// Done; a method job carries the device's answer.
    case completed(DeviceJobMethodResponse?)
    case failed(DeviceJobError)
    /// Cut short by the job's cancellation, expiry or the node stopping: nothing is recorded.
    case interrupted
}

/// One device's operation, exactly as the REST API performs it (reference §3.3 step 3): the twin
/// patch of `PATCH /twins/{id}` (desired version, push to a connected device, twin change
/// event), or the direct method call of `POST /twins/{id}/methods` (contract §4.4).
enum DeviceJobOperation {
    static func perform(_ request: JobRequest, on key: IdentityKey, twins: DeviceTwins,
                        methods: DirectMethods) async -> DeviceJobOutcome {
        do throws(HubError) {
            switch request.type {
            case .scheduleUpdateTwin:
                guard let patch = request.twinPatch else { throw HubError.argumentInvalid("The job has no updateTwin.") }
                _ = try await twins.updateTwin(key, patch.update, ifMatch: patch.etag)
                return .completed(nil)
            case .scheduleDeviceMethod:
                guard let call = request.method else { throw HubError.argumentInvalid("The job has no cloudToDeviceMethod.") }
                let result = try await methods.invoke(key, method: call.methodName, payload: call.payload.serialized(),
                                                      responseTimeoutSeconds: call.responseTimeoutSeconds,
                                                      connectTimeoutSeconds: call.connectTimeoutSeconds)
                // `MethodResult.payload` is one JSON text (DirectMethodLimits.normalizedAnswer).
                let payload = (try? JSONValue(parsing: result.payload)) ?? .string(String(decoding: result.payload, as: UTF8.self))
                return .completed(DeviceJobMethodResponse(status: result.status, payload: payload))
            }
        } catch {
            if Task.isCancelled { return .interrupted }
            // 404103: IoT Hub records the device job's error in these words (§3.3 step 3).
            if error.code == 404_103 { return .failed(.deviceNotOnline) }
            return .failed(DeviceJobError(error))
        }
    }
}
