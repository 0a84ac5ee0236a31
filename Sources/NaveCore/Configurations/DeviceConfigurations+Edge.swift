import NaveModel

/// `POST /devices/{id}/applyConfigurationContent` (reference §4.1, §4.3, details unconfirmed,
/// Nave's choice per the §4.3 recommendation): an IoT Edge device's modules get their desired
/// properties replaced by `modulesContent`, one module twin at a time, missing modules created.
extension DeviceConfigurations {
    /// Modules one request may name (Nave's bound: each is a registry write and a twin write).
    public static let edgeModulesMax = 32

    /// Applies `modulesContent` (`{"<module>":{"properties.desired":{…}}}`) to `deviceID`'s
    /// modules. ArgumentInvalid unless the device is an IoT Edge device and every entry is an
    /// object whose `properties.desired` is an object; DeviceNotFound for an unknown device.
    public func applyEdgeContent(deviceID: String, body: JSONValue) async throws(HubError) {
        let registry = twins.registry
        guard let device = registry.device(deviceID) else { throw .deviceNotFound(deviceID: deviceID) }
        guard device.iotEdge else {
            throw .argumentInvalid("Device '\(deviceID)' is not an IoT Edge device (capabilities.iotEdge is false).")
        }
        let fields = try JSONFieldReader(body)
        guard let modules = try fields.object("modulesContent") else { throw fields.missing("modulesContent") }
        guard modules.count <= Self.edgeModulesMax else {
            throw .argumentInvalid("modulesContent names \(modules.count) modules; at most \(Self.edgeModulesMax) are allowed.")
        }
        var desiredByModule: [(String, JSONObject)] = []
        for (moduleID, content) in modules {
            let entry = try JSONFieldReader(content, path: "modulesContent.\(moduleID).")
            guard let desired = try entry.object("properties.desired") else { throw entry.missing("properties.desired") }
            try TwinRules.validatePatch(desired, section: .desired)
            desiredByModule.append((moduleID, desired))
        }
        for (moduleID, desired) in desiredByModule {
            if registry.module(deviceID, moduleID) == nil {
                _ = try await registry.putModule(ModuleRequest(deviceID: deviceID, moduleID: moduleID), ifMatch: nil)
            }
            let key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
            let current = try await twins.twin(key)
            _ = try await twins.replaceTwin(key, TwinUpdate(tags: current.tags, desired: desired), ifMatch: nil)
        }
    }
}
