import NaveEncoding
import NaveModel

/// What every page shows around its content: the navigation the policy may use, the policy's
/// name, the CSRF token for forms, the one-time note, and what the policy may change (so a
/// read-only policy gets no change buttons).
struct ConsolePage: Sendable {
    var access: ConsoleAccess

    var canWriteRegistry: Bool { access.rights.contains(.registryWrite) }
    var canConnect: Bool { access.rights.contains(.serviceConnect) }
    var isOwner: Bool { access.rights.isSuperset(of: [.registryRead, .registryWrite, .serviceConnect]) }

    /// The page's context: `content` merged over the common fields.
    func context(title: String, section: String, _ content: [String: Any]) -> [String: Any] {
        var context: [String: Any] = [
            "title": title,
            "policy": access.session.policyName,
            "csrf": access.session.csrfToken,
            "canWrite": canWriteRegistry,
            "canConnect": canConnect,
            "isOwner": isOwner,
            "nav": navigation(current: section),
            "cssURL": ConsoleAssets.cssPath,
            "jsURL": ConsoleAssets.scriptPath,
        ]
        if let flash = access.flash {
            context[flash.isError ? "error" : "note"] = flash.text
        }
        for (key, value) in content { context[key] = value }
        return context
    }

    private func navigation(current: String) -> [[String: Any]] {
        let sections: [(String, String, AccessRights)] = [
            ("devices", "Devices", .registryRead), ("telemetry", "Telemetry", .serviceConnect),
            ("feedback", "C2D feedback", .serviceConnect), ("routing", "Routing", .registryRead), ("node", "Node", .registryRead),
        ]
        return sections.filter { access.rights.contains($0.2) }.map { section in
            ["href": "/console/\(section.0)", "label": section.1, "current": section.0 == current]
        }
    }
}

/// Paths of an identity's pages (ids percent-encoded as one path segment each).
enum ConsolePaths {
    static func segment(_ text: String) -> String { PercentEncoding.encode(text, safe: "") }

    static func identity(_ key: IdentityKey) -> String {
        var path = "/console/devices/\(segment(key.deviceID))"
        if let moduleID = key.moduleID { path += "/modules/\(segment(moduleID))" }
        return path
    }
}
