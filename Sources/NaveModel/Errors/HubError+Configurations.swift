/// Errors of automatic device configurations (reference §4). IoT Hub's numbers for these are
/// not documented (Appendix B); the names are Nave's, the statuses those the SDK expects.
extension HubError {
    /// 404000 with Nave's name: no configuration has that id.
    public static func configurationNotFound(id: String) -> HubError {
        HubError(status: 404, code: 404_000, name: "ConfigurationNotFound", message: "Configuration '\(id)' does not exist.")
    }

    /// 409000 with Nave's name: a create (`PUT` without `If-Match`) names an existing
    /// configuration (§4.1 recommends 409, unconfirmed).
    public static func configurationAlreadyExists(id: String) -> HubError {
        HubError(status: 409, code: 409_000, name: "ConfigurationAlreadyExists",
                 message: "Configuration '\(id)' already exists; send If-Match with its etag to update it.")
    }

    /// 403000 with Nave's name: the hub holds as many configurations as it allows (§4.3: 100
    /// on a paid hub).
    public static func configurationQuotaExceeded(countMax: Int) -> HubError {
        HubError(status: 403, code: 403_000, name: "ConfigurationQuotaExceeded",
                 message: "The hub holds \(countMax) configurations, the most it allows; delete one first.")
    }
}
