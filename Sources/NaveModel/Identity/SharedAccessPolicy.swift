/// A hub-level shared access policy: a named pair of keys with rights (IoT Hub's
/// iothubowner, service, registryRead, registryReadWrite, device).
public struct SharedAccessPolicy: Sendable, Equatable {
    public var name: String
    public var rights: AccessRights
    public var primaryKey: String
    public var secondaryKey: String

    public init(name: String, rights: AccessRights, primaryKey: String, secondaryKey: String) {
        self.name = name
        self.rights = rights
        self.primaryKey = primaryKey
        self.secondaryKey = secondaryKey
    }

    /// The policies a new hub starts with, as IoT Hub creates them (keys filled by the caller).
    public static let defaultRights: [(name: String, rights: AccessRights)] = [
        ("iothubowner", [.registryRead, .registryWrite, .serviceConnect, .deviceConnect]),
        ("service", [.serviceConnect]),
        ("device", [.deviceConnect]),
        ("registryRead", [.registryRead]),
        ("registryReadWrite", [.registryRead, .registryWrite]),
    ]
}

/// IoT Hub's permissions. Names are IoT Hub's (`RegistryRead, RegistryWrite, ServiceConnect,
/// DeviceConnect`).
public struct AccessRights: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let registryRead = AccessRights(rawValue: 1 << 0)
    public static let registryWrite = AccessRights(rawValue: 1 << 1)
    public static let serviceConnect = AccessRights(rawValue: 1 << 2)
    public static let deviceConnect = AccessRights(rawValue: 1 << 3)

    public static let names: [(AccessRights, String)] = [
        (.registryRead, "RegistryRead"), (.registryWrite, "RegistryWrite"),
        (.serviceConnect, "ServiceConnect"), (.deviceConnect, "DeviceConnect"),
    ]

    /// "RegistryRead, ServiceConnect" — IoT Hub's rendering.
    public var description: String {
        Self.names.filter { contains($0.0) }.map(\.1).joined(separator: ", ")
    }

    /// Parses IoT Hub's comma-separated names (case-insensitive); nil on an unknown name.
    public init?(names text: String) {
        var rights = AccessRights()
        for part in text.split(separator: ",") {
            let name = part.trimmingASCIISpaces.lowercased()
            guard let right = Self.names.first(where: { $0.1.lowercased() == name }) else { return nil }
            rights.insert(right.0)
        }
        self = rights
    }
}

extension Substring {
    var trimmingASCIISpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
