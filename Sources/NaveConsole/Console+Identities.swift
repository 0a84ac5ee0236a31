import NaveAuth
import NaveCore
import NaveHTTP
import NaveModel

/// A device's or module's page: status, presence, authentication; keys and connection strings
/// only when the user asks to reveal them (issue #17: no secret rendered otherwise); enable,
/// disable, key regeneration and deletion; a device's modules.
extension Console {
    func identity(_ key: IdentityKey, reveal: Bool, _ page: ConsolePage) async -> HTTPResponse {
        let authentication: Authentication
        var content: [String: Any] = ["deviceId": key.deviceID, "deviceHref": ConsolePaths.identity(IdentityKey(deviceID: key.deviceID)),
                                      "href": ConsolePaths.identity(key), "isModule": key.moduleID != nil]
        if let moduleID = key.moduleID {
            guard let module = hub.registry.module(key.deviceID, moduleID) else { return renderer.notFound() }
            authentication = module.authentication
            content["moduleId"] = moduleID
            content["managedBy"] = module.managedBy ?? ""
            content["generationId"] = module.generationID
        } else {
            guard let device = hub.registry.device(key.deviceID) else { return renderer.notFound() }
            authentication = device.authentication
            content["status"] = device.status.rawValue
            content["enabled"] = device.status == .enabled
            content["statusUpdatedTime"] = device.statusUpdatedTime.iso8601
            content["generationId"] = device.generationID
            content["pendingMessages"] = await hub.cloudToDevice.pendingCount(key)
            content["modules"] = ((try? hub.registry.modules(of: key.deviceID)) ?? []).map { module in
                ["moduleId": module.moduleID, "href": ConsolePaths.identity(IdentityKey(deviceID: key.deviceID, moduleID: module.moduleID)),
                 "connected": hub.connections.presence(of: IdentityKey(deviceID: key.deviceID, moduleID: module.moduleID)).isConnected]
            }
        }
        let presence = hub.connections.presence(of: key)
        content["connected"] = presence.isConnected
        content["lastActivityTime"] = presence.lastActivityTime == .never ? "never" : presence.lastActivityTime.iso8601
        content["authKind"] = authentication.kind.rawValue
        content["hasKeys"] = authentication.kind == .sas
        if reveal, authentication.kind == .sas {
            content["keys"] = [("primary", authentication.primaryKey), ("secondary", authentication.secondaryKey)].map { slot, value in
                let text = value ?? ""
                return ["slot": slot, "key": text,
                        "connectionString": ConnectionString(hostName: hub.hostName, deviceID: key.deviceID, moduleID: key.moduleID,
                                                             sharedAccessKey: text).formatted]
            }
        }
        let title = key.moduleID.map { "Module \(key.deviceID)/\($0)" } ?? "Device \(key.deviceID)"
        return renderer.render("identity", page.context(title: title, section: "devices", content))
    }

    func updateIdentity(_ key: IdentityKey, _ form: ConsoleForm, _ page: ConsolePage) async -> HTTPResponse {
        let action = form["action"] ?? ""
        do {
            if action == "delete" {
                if let moduleID = key.moduleID {
                    try await hub.registry.deleteModule(key.deviceID, moduleID, ifMatch: "*")
                    return redirect(ConsolePaths.identity(IdentityKey(deviceID: key.deviceID)), note: "Module \(moduleID) deleted.", page)
                }
                try await hub.registry.deleteDevice(key.deviceID, ifMatch: "*")
                return redirect("/console/devices", note: "Device \(key.deviceID) deleted.", page)
            }
            try await change(key, action: action)
            return redirect(ConsolePaths.identity(key), note: Self.changeNotes[action] ?? "Done.", page)
        } catch {
            return redirect(ConsolePaths.identity(key), note: "Not done: \(error.message)", error: true, page)
        }
    }

    static let changeNotes = ["enable": "Enabled.", "disable": "Disabled.",
                              "regenerate-primary": "Primary key regenerated.", "regenerate-secondary": "Secondary key regenerated."]

    /// Applies `action` to the identity as an update (keys from the node's random source).
    private func change(_ key: IdentityKey, action: String) async throws(HubError) {
        guard Self.changeNotes[action] != nil else { throw .argumentInvalid("Unknown action.") }
        if let moduleID = key.moduleID {
            guard let module = hub.registry.module(key.deviceID, moduleID) else { throw .moduleNotFound(deviceID: key.deviceID, moduleID: moduleID) }
            guard action.hasPrefix("regenerate") else { throw .argumentInvalid("Modules have no status of their own.") }
            let request = ModuleRequest(deviceID: key.deviceID, moduleID: moduleID, managedBy: module.managedBy,
                                        authentication: try regenerated(module.authentication, action: action))
            _ = try await hub.registry.putModule(request, ifMatch: module.etag)
            return
        }
        guard let device = hub.registry.device(key.deviceID) else { throw .deviceNotFound(deviceID: key.deviceID) }
        var request = DeviceRequest(deviceID: device.deviceID, status: device.status, statusReason: device.statusReason,
                                    authentication: device.authentication, iotEdge: device.iotEdge,
                                    deviceScope: device.deviceScope, parentScopes: device.parentScopes)
        switch action {
        case "enable": request.status = .enabled
        case "disable": request.status = .disabled
        default: request.authentication = try regenerated(device.authentication, action: action)
        }
        _ = try await hub.registry.updateDevice(request, ifMatch: device.etag)
    }

    private func regenerated(_ authentication: Authentication, action: String) throws(HubError) -> Authentication {
        guard authentication.kind == .sas else { throw .argumentInvalid("Only SAS identities have keys to regenerate.") }
        var updated = authentication
        let fresh = generatedKeys()
        if action == "regenerate-primary" { updated.primaryKey = fresh.primaryKey } else { updated.secondaryKey = fresh.secondaryKey }
        return updated
    }

    func createModule(_ deviceID: String, _ form: ConsoleForm, _ page: ConsolePage) async -> HTTPResponse {
        let deviceHref = ConsolePaths.identity(IdentityKey(deviceID: deviceID))
        guard let moduleID = form.text("moduleId") else { return redirect(deviceHref, note: "Give the module an id.", error: true, page) }
        do {
            _ = try await hub.registry.putModule(ModuleRequest(deviceID: deviceID, moduleID: moduleID, authentication: generatedKeys()),
                                                 ifMatch: nil)
            return redirect(ConsolePaths.identity(IdentityKey(deviceID: deviceID, moduleID: moduleID)), note: "Module \(moduleID) created.", page)
        } catch {
            return redirect(deviceHref, note: "Module not created: \(error.message)", error: true, page)
        }
    }
}
