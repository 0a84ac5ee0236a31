import NaveModel

/// Why a registry operation failed, in the hub's own words; adapters translate it at the edge
/// (REST: IoT Hub's status and error code; CLI: a message and exit status).
public enum RegistryFailure: Error, Sendable, Equatable {
    case deviceNotFound(deviceID: String)
    case moduleNotFound(deviceID: String, moduleID: String)
    case deviceAlreadyExists(deviceID: String)
    case moduleAlreadyExists(deviceID: String, moduleID: String)
    /// `If-Match` named another etag.
    case preconditionFailed(current: String)
    case invalidArgument(String)
    case policyNotFound(name: String)
    case policyAlreadyExists(name: String)
    /// The durable store refused the change; nothing was applied.
    case storage(String)
}
