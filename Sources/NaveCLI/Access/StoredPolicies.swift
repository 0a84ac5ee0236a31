import NaveModel
import NaveStore

/// Reads shared access policies straight from a data directory's database — also while a
/// node runs on it (SQLite in WAL mode lets a reader in beside the node's writer).
enum StoredPolicies {
    static func policy(named name: String, in dataDirectory: String) async throws -> SharedAccessPolicy {
        let database = try await SQLiteDatabase(path: dataDirectory + "/nave.sqlite")
        defer { try? database.close() }
        let snapshot = try await SQLiteIdentityStore(database: database).loadRegistry()
        guard let policy = snapshot.policies.first(where: { $0.name == name }) else {
            throw CommandFailure(description: "no shared access policy '\(name)' in \(dataDirectory) (has a node started on it?)")
        }
        return policy
    }
}
