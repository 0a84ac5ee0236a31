/// Errors of the routing configuration (reference §2; IoT Hub configures routing through ARM,
/// whose codes the SDKs never read, so these reuse the hub's generic numbers).
extension HubError {
    /// 404000 GenericNotFound naming what is missing: a route, endpoint or enrichment.
    public static func routingEntryNotFound(_ kind: String, _ name: String) -> HubError {
        HubError(status: 404, code: 404_000, name: "GenericNotFound", message: "No \(kind) named '\(name)' exists.")
    }

    /// 409000 with Nave's name: a route, endpoint or enrichment of that name exists already.
    public static func routingEntryAlreadyExists(_ kind: String, _ name: String) -> HubError {
        HubError(status: 409, code: 409_000, name: "RoutingEntryAlreadyExists", message: "A \(kind) named '\(name)' already exists.")
    }
}
