import Foundation
import NaveStore
import Testing

@Suite("Data directory")
struct DataDirectoryTests {
    private static func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("opening creates the directory and its folders with mode 0700, and names the paths")
    func creates() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nested/node-1"
            let directory = try DataDirectory(path: path, creation: .createIfMissing)
            defer { directory.close() }
            #expect(directory.path == path)
            #expect(directory.database == path + "/nave.sqlite")
            #expect(directory.certificates == path + "/certs/")
            #expect(directory.events == path + "/events/")
            for folder in [path, directory.certificates, directory.events] {
                #expect(try Self.mode(folder) == 0o700, "\(folder)")
            }
            #expect(FileManager.default.fileExists(atPath: directory.lockFile))
        }
    }

    @Test("a second opener is refused with the directory's name until the first closes")
    func exclusiveLock() async throws {
        try await withScratchDirectory { scratch in
            #expect(!DataDirectory.isLocked(scratch))
            let first = try DataDirectory(path: scratch, creation: .requireExisting)
            #expect(DataDirectory.isLocked(scratch))
            let error = #expect(throws: DataDirectoryError.self) { try DataDirectory(path: scratch, creation: .requireExisting) }
            #expect(error == .locked(path: scratch, holderPID: nil))
            #expect(error?.description.contains(scratch) == true)
            // A refused opener must not have disturbed the holder's lock.
            #expect(DataDirectory.isLocked(scratch))

            first.close()
            first.close()
            #expect(!DataDirectory.isLocked(scratch))
            let second = try DataDirectory(path: scratch, creation: .requireExisting)
            #expect(DataDirectory.isLocked(scratch))
            second.close()
        }
    }

    @Test("the lock is released when the value goes away")
    func releasedOnDeinit() async throws {
        try await withScratchDirectory { scratch in
            func openAndDrop() throws {
                let directory = try DataDirectory(path: scratch, creation: .requireExisting)
                #expect(DataDirectory.isLocked(directory.path))
            }
            try openAndDrop()
            #expect(!DataDirectory.isLocked(scratch))
        }
    }

    @Test("node.json round trips, names the holder in the lock error, and goes on close")
    func advertisement() async throws {
        try await withScratchDirectory { scratch in
            #expect(try DataDirectory.readAdvertisement(in: scratch) == nil)
            let directory = try DataDirectory(path: scratch, creation: .requireExisting)
            let advertisement = NodeAdvertisement(restAddress: "127.0.0.1:8443", hostName: "hub.example")
            #expect(advertisement.pid == getpid())
            try directory.advertise(advertisement)
            #expect(try DataDirectory.readAdvertisement(in: scratch) == advertisement)

            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.advertisementFile)))
            #expect((json as? [String: Any]).map { Set($0.keys) } == ["pid", "restAddress", "hostName"])

            let error = #expect(throws: DataDirectoryError.self) { try DataDirectory(path: scratch, creation: .requireExisting) }
            #expect(error == .locked(path: scratch, holderPID: getpid()))
            #expect(error?.description.contains("pid \(getpid())") == true)

            let named = NodeAdvertisement(restAddress: "127.0.0.1:8443", hostName: "hub.example", eventHubName: "telemetry")
            try directory.advertise(named)
            #expect(try DataDirectory.readAdvertisement(in: scratch) == named)

            directory.close()
            #expect(try DataDirectory.readAdvertisement(in: scratch) == nil)
        }
    }

    @Test("a garbled node.json is an error, not a silent nil")
    func garbledAdvertisement() async throws {
        try await withScratchDirectory { scratch in
            try Data("{\"pid\": \"x\"".utf8).write(to: URL(fileURLWithPath: scratch + "/node.json"))
            #expect(throws: DataDirectoryError.self) { try DataDirectory.readAdvertisement(in: scratch) }
        }
    }

    @Test("a path that is a file is refused; a missing directory is not locked")
    func unusablePaths() async throws {
        try await withScratchDirectory { scratch in
            let file = scratch + "/file"
            try Data().write(to: URL(fileURLWithPath: file))
            for creation in [DataDirectoryCreation.createIfMissing, .requireExisting] {
                let error = #expect(throws: DataDirectoryError.self) { try DataDirectory(path: file, creation: creation) }
                #expect(error == .unusable(path: file, reason: "not a directory"))
            }
            #expect(!DataDirectory.isLocked(scratch + "/missing"))
        }
    }

    @Test("a missing directory nobody asked for is refused by name, and nothing is made (issue #11)")
    func missingIsRefused() async throws {
        try await withScratchDirectory { scratch in
            let misspelt = scratch + "/nave-dta/"
            let error = #expect(throws: DataDirectoryError.self) { try DataDirectory(path: misspelt, creation: .requireExisting) }
            #expect(error == .missing(path: misspelt))
            #expect(error?.description == "no data directory at \(misspelt) (create one with `nave serve --data-dir \(misspelt)` "
                + "or `nave certs init --data-dir \(misspelt)`)")
            #expect(throws: DataDirectoryError.missing(path: misspelt)) { try DataDirectory.prepare(misspelt, .requireExisting) }
            let left = try FileManager.default.contentsOfDirectory(atPath: scratch)
            #expect(left == [])
        }
    }

    @Test("prepare makes a named directory 0700 and puts nothing in it; an existing one is left alone")
    func prepareCreates() async throws {
        try await withScratchDirectory { scratch in
            let named = scratch + "/a/b"
            try DataDirectory.prepare(named, .createIfMissing)
            #expect(try Self.mode(named) == 0o700)
            let inside = try FileManager.default.contentsOfDirectory(atPath: named)
            #expect(inside == [])
            try DataDirectory.prepare(named, .requireExisting)
            try DataDirectory.prepare(scratch, .createIfMissing)
            let top = try FileManager.default.contentsOfDirectory(atPath: scratch)
            #expect(top == ["a"])
        }
    }

    @Test("the SQLite database opens inside the directory")
    func databaseInDirectory() async throws {
        try await withScratchDirectory { scratch in
            let directory = try DataDirectory(path: scratch, creation: .requireExisting)
            defer { directory.close() }
            let database = try await SQLiteDatabase(path: directory.database)
            defer { try? database.close() }
            try await SQLiteIdentityStore(database: database).apply([.putDevice(Sample.device("d"))])
            #expect(FileManager.default.fileExists(atPath: directory.database))
        }
    }
}
