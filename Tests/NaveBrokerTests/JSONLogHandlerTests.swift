import Foundation
import Logging
import NaveCore
import NaveModel
import NaveNode
import Testing

/// `log.format: json`: each line is one JSON object a collector can parse, with the fixed
/// fields first and the metadata's keys beside them.
@Suite("JSON log lines")
struct JSONLogHandlerTests {
    struct FixedClock: HubClock {
        func now() -> Timestamp { Timestamp(millisecondsSinceEpoch: 1_700_000_000_123) }
    }

    @Test("a line parses and carries time (RFC 3339 UTC), level, label, message and the metadata")
    func lineParses() throws {
        let lines = CapturedLogLines()
        var logger = Logger(label: "nave.test") { JSONLogHandler(label: $0, clock: FixedClock(), sink: lines) }
        logger[metadataKey: "loop"] = "2"
        logger.notice("a \"quoted\"\nmessage", metadata: ["device": "dev1", "level": "shadowed", "ids": ["a", "b"]])
        logger.debug("below the level")
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2023-11-14T22:13:20.123Z")
        #expect(object["level"] as? String == "notice" && object["label"] as? String == "nave.test")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage")
        #expect(object["device"] as? String == "dev1" && object["loop"] as? String == "2")
        #expect(object["metadata.level"] as? String == "shadowed")
        #expect(object["ids"] as? [String] == ["a", "b"])
    }

    @Test("log.format is read and refused when unknown")
    func formatKey() throws {
        let json = try NaveConfiguration.resolve(configFile: nil, environment: ["NAVE_LOG_FORMAT": "json"]).configuration
        #expect(json.log.format == .json)
        #expect(try StrictConfigurationTests.refusal(nil, environment: ["NAVE_LOG_FORMAT": "xml"])
            == ["configuration: log.format = xml (env NAVE_LOG_FORMAT): must be one of text, json"])
    }
}
