import Foundation
import Glibc
import NaveAuth
import NaveCore
import NaveModel
import NaveStore

/// The benchmark's SAS devices: fixed-width ids (`bench-000042`) and keys derived from the index,
/// so a data directory prepared once serves every later run, and tokens can be signed without
/// reading the store back.
enum HubDevices {
    static let hostName = "localhost"

    static func id(_ index: Int) -> String {
        let digits = String(index)
        return "bench-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// 32 key bytes: the index in the first 8, a fixed pattern after (a benchmark's keys need
    /// to be valid and distinct, not secret).
    static func key(_ index: Int) -> String {
        var bytes = [UInt8](repeating: 0xA5, count: 32)
        withUnsafeBytes(of: UInt64(index).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        return Data(bytes).base64EncodedString()
    }

    /// IoT Hub's MQTT username for a device (contract §1.5).
    static func username(_ index: Int) -> String { "\(hostName)/\(id(index))/?api-version=2021-04-12" }

    /// A device SAS token valid for `lifetimeSeconds`, signed as the Azure SDK signs it.
    static func token(_ index: Int, lifetimeSeconds: Int64 = 3600) throws -> String {
        try SASToken.deviceToken(resourceURI: "\(hostName)/devices/\(id(index))", key: key(index),
                                 expiry: Int64(time(nil)) + lifetimeSeconds)
    }

    /// Registers devices 0..<count in the data directory at `path` (made when missing) with
    /// the store opened in-process, before the node starts: 100 per bulk call, far faster than
    /// the REST API for 10 k devices. Returns the iothubowner policy's primary key, with which
    /// the harness signs its REST calls. The directory must not be held by a running node.
    static func prepare(dataDirectory path: String, count: Int) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let outcome = BlockingResult<String>()
        Task {
            do {
                outcome.set(.success(try await register(path: path, count: count)))
            } catch {
                outcome.set(.failure(error))
            }
        }
        return try outcome.wait()
    }

    private static func register(path: String, count: Int) async throws -> String {
        // `--data-directory` names it (default /tmp/nave-bench-hub): made on the first run.
        let directory = try DataDirectory(path: path, creation: .createIfMissing)
        defer { directory.close() }
        let database = try await SQLiteDatabase(path: directory.database)
        defer { try? database.close() }
        let registry = try await IdentityRegistry(store: SQLiteIdentityStore(database: database), clock: WallClock(),
                                                  random: BenchRandom())
        let missing = (0..<count).filter { registry.device(id($0)) == nil }
        var index = 0
        while index < missing.count {
            let batch = missing[index..<min(missing.count, index + ExportImportDevice.bulkDevicesMax)].map {
                ExportImportDevice(deviceID: id($0), importMode: .create, status: .enabled,
                                   authentication: .sas(primaryKey: key($0), secondaryKey: key($0 + 1_000_000_000)))
            }
            let result = try await registry.bulk(batch)
            if let failure = result.errors.first { throw BrokerProcess.Failure(description: "registering devices failed: \(failure)") }
            index += batch.count
        }
        if !missing.isEmpty { progress("registered \(missing.count) devices in \(path) (\(count) wanted)") }
        guard let owner = registry.policy(named: "iothubowner") else {
            throw BrokerProcess.Failure(description: "the data directory has no iothubowner policy")
        }
        return owner.primaryKey
    }
}

/// The host's wall clock for the in-process registry (NaveNode's SystemClock is not a product).
struct WallClock: HubClock {
    func now() -> Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(millisecondsSinceEpoch: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
    }
}

struct BenchRandom: HubRandom {
    func bytes(_ count: Int) -> [UInt8] { SecureRandom.bytes(count: count) }
}

/// Hands an async result to a blocking caller (the harness's driver thread is not async).
final class BlockingResult<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `result` is written once before the semaphore is signalled, read after.
    private var result: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    func set(_ value: Result<Value, any Error>) {
        result = value
        done.signal()
    }

    func wait() throws -> Value {
        done.wait()
        return try result!.get()
    }
}
