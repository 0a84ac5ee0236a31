import Foundation
import NaveCore
import NaveModel
import NaveStore
import Testing

/// The storage endpoint's files (issue #15): JSON lines under Azure's default name pattern,
/// temporary until their window or size is full, and completed after a crash.
@Suite("Storage endpoint files")
struct StorageDelivererTests {
    static func record(_ body: String, device: String = "d1") -> EventRecord {
        EventRecord(sequenceNumber: 0, offset: 0, enqueuedTime: Timestamp(secondsSinceEpoch: 1_700_000_000),
                    data: EventData(deviceID: device, systemProperties: [EventProperty("content-type", "application/json"),
                                                                         EventProperty("content-encoding", "utf-8")],
                                    body: Array(body.utf8)))
    }

    static func files(under root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".json") || $0.hasSuffix(".tmp") }.sorted()
    }

    @Test("lines go to a temporary file named for the window; it is renamed once the window passes")
    func window() async throws {
        try await withScratchDirectory { scratch in
            // 2023-11-14T22:13:20Z
            let clock = ManualClock(Timestamp(secondsSinceEpoch: 1_700_000_000))
            let settings = StorageDeliverer.Settings(directory: scratch, hubName: "myhub", windowSeconds: 60, chunkBytesMax: 10 << 20)
            let storage = StorageDeliverer(settings: settings, clock: clock)
            #expect(await storage.deliver(Self.record(#"{"n":1}"#), partition: 2) == nil)
            #expect(await storage.deliver(Self.record(#"{"n":2}"#), partition: 2) == nil)
            #expect(await storage.settle(idle: true) == nil)
            #expect(Self.files(under: scratch) == ["myhub/2/2023/11/14/22/13.json.tmp"], "the window is still open")
            clock.advance(seconds: 60)
            #expect(await storage.settle(idle: true) == nil)
            #expect(Self.files(under: scratch) == ["myhub/2/2023/11/14/22/13.json"])
            let lines = try String(contentsOfFile: scratch + "/myhub/2/2023/11/14/22/13.json", encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            #expect((first?["body"] as? [String: Any])?["n"] as? Int == 1 && first?["deviceId"] as? String == "d1")
            #expect(await storage.deliver(Self.record(#"{"n":3}"#), partition: 2) == nil)
            #expect(Self.files(under: scratch).contains("myhub/2/2023/11/14/22/14.json.tmp"))
        }
    }

    @Test("a full chunk rolls to a new file in the same minute; leftovers of a crash are completed, a torn line cut")
    func sizeAndRecovery() async throws {
        try await withScratchDirectory { scratch in
            let clock = ManualClock(Timestamp(secondsSinceEpoch: 1_700_000_000))
            let settings = StorageDeliverer.Settings(directory: scratch, hubName: "h", windowSeconds: 300, chunkBytesMax: 400)
            let storage = StorageDeliverer(settings: settings, clock: clock)
            for n in 0..<4 { #expect(await storage.deliver(Self.record(#"{"n":\#(n)}"#), partition: 0) == nil) }
            let files = Self.files(under: scratch)
            #expect(files.contains("h/0/2023/11/14/22/13.json") && files.contains("h/0/2023/11/14/22/13_1.json.tmp"), "\(files)")
            let temporary = scratch + "/h/0/2023/11/14/22/13_1.json.tmp"
            let handle = try #require(FileHandle(forWritingAtPath: temporary))
            handle.seekToEndOfFile()
            handle.write(Data(#"{"torn":"#.utf8))
            try handle.close()
            // The crash: the next run's deliverer finds the temporary file (this one never closes it).
            let next = StorageDeliverer(settings: settings, clock: clock)
            withExtendedLifetime((storage, next)) {}
            let completed = try String(contentsOfFile: scratch + "/h/0/2023/11/14/22/13_1.json", encoding: .utf8)
            #expect(completed.hasSuffix("}\n") && !completed.contains("torn"))
            #expect(!FileManager.default.fileExists(atPath: temporary))
        }
    }
}
