/// Errors of the events endpoint's consumer groups, beside the catalog in
/// `HubError+Catalog.swift`. IoT Hub manages consumer groups through Azure Resource Manager,
/// which has no IoT Hub error codes for them, so these carry the generic code of their status
/// with Nave's own name, as the shared access policy errors do.
extension HubError {
    /// 404000 with Nave's name: no consumer group by that name (in any case).
    public static func consumerGroupNotFound(name: String) -> HubError {
        HubError(status: 404, code: 404_000, name: "ConsumerGroupNotFound", message: "Consumer group '\(name)' does not exist.")
    }

    /// 409000 with Nave's name: a consumer group by that name (in any case) exists; `$Default`
    /// always does.
    public static func consumerGroupAlreadyExists(name: String) -> HubError {
        HubError(status: 409, code: 409_000, name: "ConsumerGroupAlreadyExists", message: "Consumer group '\(name)' already exists.")
    }

    /// 403000 with Nave's name: the hub has as many consumer groups as it allows (`$Default`
    /// included); IoT Hub answers quota refusals with 403 (IotHubQuotaExceeded, 403002).
    public static func consumerGroupQuotaExceeded(groupsMax: Int) -> HubError {
        HubError(status: 403, code: 403_000, name: "ConsumerGroupQuotaExceeded",
                 message: "The hub already has \(groupsMax) consumer groups, the most it allows; delete one first.")
    }
}
