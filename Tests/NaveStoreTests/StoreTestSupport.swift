import Foundation
import NaveCore
import NaveModel
import NaveStore
import Testing

/// A fresh directory under the system's temporary directory, removed when `body` returns or throws.
func withScratchDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("nave-store-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// One way to make a store behind one of NaveCore's ports: each port's conformance suite runs
/// once per factory in its `all`, so a new store (PostgreSQL) joins a suite by adding itself there.
struct PortFactory<Store: Sendable>: Sendable, CustomTestStringConvertible {
    let name: String
    /// Opens an empty store whose files (if any) live in the given scratch directory, with what
    /// releases it (its connections) before the directory goes.
    let open: @Sendable (_ scratch: String) async throws -> (store: Store, close: @Sendable () throws -> Void)

    var testDescription: String { name }

    static func inMemory(_ make: @escaping @Sendable () -> Store) -> PortFactory {
        PortFactory(name: "in-memory") { _ in (make(), {}) }
    }

    /// The store `make` builds over a new SQLite file in the scratch directory.
    static func sqlite(_ make: @escaping @Sendable (SQLiteDatabase) -> Store) -> PortFactory {
        PortFactory(name: "SQLite") { scratch in
            let database = try await SQLiteDatabase(path: scratch + "/nave.sqlite")
            return (make(database), { try database.close() })
        }
    }

    /// Runs `body` on a new store, and closes it and removes its files after.
    func withStore(_ body: (Store) async throws -> Void) async throws {
        try await withScratchDirectory { scratch in
            let (store, close) = try await open(scratch)
            defer { try? close() }
            try await body(store)
        }
    }
}

typealias StoreFactory = PortFactory<any IdentityStore>

extension PortFactory where Store == any IdentityStore {
    static var all: [StoreFactory] { [.inMemory { InMemoryIdentityStore() }, .sqlite { SQLiteIdentityStore(database: $0) }] }
}

/// A test argument shown by name: the values themselves run to pages when printed.
struct Named<Value: Sendable>: Sendable, CustomTestStringConvertible {
    let name: String
    let value: Value
    var testDescription: String { name }
}

/// Identity values that exercise every field: nil, empty, non-ASCII, long, extreme times.
enum Sample {
    static func device(_ id: String, etag: String = "etag-1") -> DeviceIdentity {
        DeviceIdentity(deviceID: id, generationID: "gen-\(id)", etag: etag,
                       statusUpdatedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000),
                       authentication: .sas(primaryKey: "cHJpbWFyeQ==", secondaryKey: "c2Vjb25kYXJ5"))
    }

    static func module(_ deviceID: String, _ moduleID: String, etag: String = "etag-1") -> ModuleIdentity {
        ModuleIdentity(deviceID: deviceID, moduleID: moduleID, generationID: "gen-\(deviceID)/\(moduleID)",
                       etag: etag, authentication: .sas(primaryKey: "bW9kMQ==", secondaryKey: "bW9kMg=="))
    }

    static func policy(_ name: String, _ rights: AccessRights) -> SharedAccessPolicy {
        SharedAccessPolicy(name: name, rights: rights, primaryKey: "\(name)-primary", secondaryKey: "\(name)-secondary")
    }

    /// Devices whose round trip must keep every field exactly.
    static var namedDevices: [Named<DeviceIdentity>] { devices.map { Named(name: $0.deviceID.prefix(20) + "", value: $0) } }
    static var namedModules: [Named<ModuleIdentity>] { modules.map { Named(name: $0.moduleID.prefix(20) + "", value: $0) } }

    static let devices: [DeviceIdentity] = [
        DeviceIdentity(deviceID: "every-field", generationID: "638000000000000001", etag: "MQ==",
                       status: .disabled, statusReason: "désactivé — 🔒 par l'opérateur",
                       statusUpdatedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_123),
                       authentication: .sas(primaryKey: "cHJpbWFyeQ==", secondaryKey: "c2Vjb25kYXJ5"),
                       iotEdge: true, deviceScope: "ms-azure-iot-edge://edge-1-638000000000000001",
                       parentScopes: ["ms-azure-iot-edge://parent-1-6380", "a,b;c|d\n\"e\"\tf"]),
        DeviceIdentity(deviceID: "sparse", generationID: "g", etag: "e", statusUpdatedTime: .never,
                       authentication: Authentication(kind: .none)),
        DeviceIdentity(deviceID: "empty-strings", generationID: "", etag: "", statusReason: "",
                       statusUpdatedTime: Timestamp(millisecondsSinceEpoch: -1),
                       authentication: .selfSigned(primaryThumbprint: "AB:CD:EF:01", secondaryThumbprint: ""),
                       deviceScope: "", parentScopes: [""]),
        DeviceIdentity(deviceID: String(repeating: "d", count: 128), generationID: "g", etag: "e",
                       statusReason: String(repeating: "ünïcødé ", count: 2_000),
                       statusUpdatedTime: Timestamp(millisecondsSinceEpoch: .max),
                       authentication: Authentication(kind: .certificateAuthority,
                                                      primaryKey: String(repeating: "k", count: 4_096)),
                       parentScopes: (0..<20).map { "scope-\($0)" }),
        DeviceIdentity(deviceID: "日本-デバイス", generationID: "g", etag: "e",
                       statusUpdatedTime: Timestamp(millisecondsSinceEpoch: 0),
                       authentication: .selfSigned(primaryThumbprint: nil)),
    ]

    static let modules: [ModuleIdentity] = [
        ModuleIdentity(deviceID: "every-field", moduleID: "$edgeHub", managedBy: "IotEdge",
                       generationID: "638000000000000002", etag: "Mg==",
                       authentication: .sas(primaryKey: "bW9kMQ==", secondaryKey: "bW9kMg==")),
        ModuleIdentity(deviceID: "every-field", moduleID: "módulo-ü", managedBy: "", generationID: "",
                       etag: "", authentication: .selfSigned(primaryThumbprint: "00FF", secondaryThumbprint: "FF00")),
        ModuleIdentity(deviceID: "every-field", moduleID: String(repeating: "m", count: 128), generationID: "g",
                       etag: "e", authentication: Authentication(kind: .none)),
    ]

    static let policies: [SharedAccessPolicy] = [
        policy("iothubowner", [.registryRead, .registryWrite, .serviceConnect, .deviceConnect]),
        policy("none-at-all", []),
        policy("registryRead", [.registryRead]),
        SharedAccessPolicy(name: "clé-ü", rights: [.deviceConnect, .serviceConnect], primaryKey: "", secondaryKey: ""),
    ]
}
