import Foundation
import NaveCore
import NaveModel
import NaveStore

/// The fleet of `nave-bench hub query`: `count` registered devices (`HubDevices`), each with a
/// twin carrying tags and reported properties, written offline before the node starts.
///
/// Device i: `tags.site = "site-(i % 100)"` (each site holds 1 % of the fleet),
/// `tags.building = "b-(i % 7)"`, reported `status` ∈ {ok, warn, err} (i % 3) and `temperature`.
enum QueryFleet {
    static let siteCount = 100
    static let statuses = ["ok", "warn", "err"]

    static func prepare(dataDirectory path: String, count: Int) throws {
        let outcome = BlockingResult<Int>()
        Task {
            do { outcome.set(.success(try await writeTwins(path: path, count: count))) } catch { outcome.set(.failure(error)) }
        }
        let written = try outcome.wait()
        if written > 0 { progress("wrote \(written) twins with tags and reported properties in \(path)") }
    }

    private static func writeTwins(path: String, count: Int) async throws -> Int {
        let directory = try DataDirectory(path: path, creation: .requireExisting)
        defer { directory.close() }
        let database = try await SQLiteDatabase(path: directory.database)
        defer { try? database.close() }
        let registry = try await IdentityRegistry(store: SQLiteIdentityStore(database: database), clock: WallClock(),
                                                  random: BenchRandom())
        let store = SQLiteTwinStore(database: database)
        let stored = Set(try await store.loadAllTwins().filter { !$0.tags.isEmpty }.map(\.deviceID))
        let now = WallClock().now()
        var batch: [Twin] = []
        var written = 0
        for index in 0..<count where !stored.contains(HubDevices.id(index)) {
            guard let device = registry.device(HubDevices.id(index)) else { continue }
            var twin = Twin(deviceID: device.deviceID, identityGenerationID: device.generationID, createdAt: now)
            _ = try twin.update(TwinUpdate(tags: ["site": .string("site-\(index % siteCount)"), "building": .string("b-\(index % 7)")]), at: now)
            _ = try twin.updateReported(["status": .string(statuses[index % statuses.count]),
                                         "temperature": .double(20 + Double(index % 100) / 10)], at: now)
            batch.append(twin)
            if batch.count == 5_000 {
                try await store.saveTwinsUnconditionally(batch)
                written += batch.count
                batch = []
            }
        }
        try await store.saveTwinsUnconditionally(batch)
        return written + batch.count
    }
}
