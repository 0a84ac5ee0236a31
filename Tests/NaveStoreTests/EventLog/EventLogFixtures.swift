import NaveModel
@testable import NaveStore

/// A partition written by this version of the log, kept byte for byte: five events in two
/// segments (the first sealed, four records; the second active, one record), written with
/// `configuration` and a clock starting at 1_700_000_000_000 ms, one second per event. If the
/// encoder ever writes other bytes, or the reader stops reading these, the format changed: logs
/// on disk would no longer open. Add a format version instead of editing these.
enum EventLogFixtures {
    static var configuration: EventLogConfiguration {
        var configuration = EventLogConfiguration()
        configuration.partitionCount = 1
        configuration.segmentBytesMax = 400
        configuration.recordBytesMax = 200
        configuration.indexIntervalBytes = 128
        configuration.pendingAppendBytesMax = 4096
        configuration.retentionBytesMax = 1 << 20
        return configuration
    }

    static let events = [
        EventData(deviceID: "dev1",
                  systemProperties: [EventProperty("message-id", "mid-1"), EventProperty("content-type", "application/json")],
                  applicationProperties: [EventProperty("alert", "true")], body: Array("{\"temp\": 21.5}".utf8)),
        EventData(deviceID: "dev1", moduleID: "mod1",
                  systemProperties: [EventProperty("$.on", "output1"), EventProperty("x-other", "é")],
                  body: [0, 1, 2, 255]),
        EventData(deviceID: "dev2", body: []),
        EventData(deviceID: "dev1",
                  systemProperties: [EventProperty("iothub-connection-auth-method",
                                                   #"{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}"#)],
                  applicationProperties: [EventProperty("sp ace", "a/b&c=d"), EventProperty("num", "5")],
                  body: Array("plain string".utf8)),
        EventData(deviceID: "dev3", body: Array("last".utf8)),
    ]
    static let offsets: [Int64] = [0, 92, 164, 206, 361]

    static var records: [EventRecord] {
        events.enumerated().map { number, data in
            EventRecord(sequenceNumber: Int64(number), offset: offsets[number],
                        enqueuedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(number) * 1000), data: data)
        }
    }

    static let files: [(name: String, hex: String)] = [
        ("00000000000000000000.log",
         "4e56454c0100000000000000000000000000000000000000000000006c9996d354000000f214654701000000000000000000000000000000"
             + "00000068e5cf8b01000004646576310201056d69642d3104106170706c69636174696f6e2f6a736f6e0105616c65727404747275650e"
             + "7b2274656d70223a2032312e357d40000000fe188bca010101000000000000005c00000000000000e86be5cf8b0100000464657631046d"
             + "6f64310207076f7574707574310007782d6f7468657202c3a90004000102ff22000000c04de4f901000200000000000000a40000000000"
             + "0000d06fe5cf8b0100000464657632000000930000003c56951f01000300000000000000ce00000000000000b873e5cf8b010000046465"
             + "763101084e7b2273636f7065223a22646576696365222c2274797065223a22736173222c22697373756572223a22696f74687562222c22"
             + "616363657074696e67497046696c74657252756c65223a6e756c6c7d020673702061636507612f6226633d64036e756d01350c706c6169"
             + "6e20737472696e67"),
        ("00000000000000000000.index",
         "00000000200000000068e5cf8b01000002000000c4000000d06fe5cf8b01000003000000ee000000b873e5cf8b010000"),
        ("00000000000000000361.log",
         "4e56454c010000006901000000000000040000000000000000000000948d0e3e26000000b17757ca01000400000000000000690100000000"
             + "0000a077e5cf8b01000004646576330000046c617374"),
        ("00000000000000000361.index", "0000000020000000a077e5cf8b010000"),
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    /// Writes the fixture partition into `directory`'s log, with `change` applied to the files.
    static func install(in directory: String, change: (inout [String: [UInt8]]) -> Void = { _ in }) throws {
        var contents: [String: [UInt8]] = [:]
        for (name, hex) in files { contents[name] = bytes(hex) }
        change(&contents)
        let folder = directory + "/events/p0"
        try LogDirectory.create(folder)
        for (name, bytes) in contents { try writeFile(folder + "/" + name, bytes) }
    }
}
