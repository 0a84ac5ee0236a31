import NaveCore
import NaveModel
import NaveNode
import NaveStore

/// C2D straight into the store when no node runs: the queues are loaded and changed as a
/// node would, and the node that starts next delivers what was queued.
extension LocalHub {
    func sendCloudToDevice(_ request: CloudToDeviceSendRequest, deviceID: String) async throws -> JSONValue {
        let queues = try await openQueues()
        let key = IdentityKey(deviceID: deviceID)
        return try await queues.sendCounted(to: key, message: request.message, ttlSeconds: request.ttlSeconds).json
    }

    func purgeCloudToDevice(deviceID: String) async throws -> JSONValue {
        let purged = try await openQueues().purge(IdentityKey(deviceID: deviceID))
        return .object(JSONObject([("totalMessagesPurged", .integer(Int64(purged))), ("deviceId", .string(deviceID)), ("moduleId", .null)]))
    }

    private func openQueues() async throws -> CloudToDeviceQueues {
        try await CloudToDeviceQueues.open(registry: registry, store: SQLiteCloudToDeviceStore(database: database), clock: SystemClock(),
                                           scheduler: InertScheduler(), random: SystemRandom())
    }
}

/// A scheduler whose actions never run: the CLI exits right after its one change, and expiry
/// and lock timers belong to the node that loads the queues next.
struct InertScheduler: HubScheduler {
    func schedule(afterMillis milliseconds: Int64, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        ScheduledAction(action)
    }
}
