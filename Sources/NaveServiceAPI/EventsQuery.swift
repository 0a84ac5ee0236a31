import NaveModel
import NaveStore

/// A read of the built-in events endpoint over REST (`GET /events`, Nave's own, for
/// `nave monitor-events`): where to start in every partition, how many events, how long to wait
/// for the first one, and an optional device and consumer group.
struct EventsQuery {
    /// partition → next sequence number, when the caller continues a read.
    var positions: [Int: Int64]?
    /// Where to start without positions: `earliest`, `latest` or an ISO 8601 time.
    var start: EventStartPosition
    var deviceID: String?
    var consumerGroup: String?
    var maxCount: Int
    var waitMillis: Int

    static let maxCountMax = 1000
    /// Events looked at per request when a device filter skips others' (bounds one answer's work).
    static let scannedEventsMax = 20_000
    static let readBatchMax = 1_000
    static let waitMillisMax = 60_000

    init(_ query: [(name: String, value: String)]) throws(HubError) {
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        maxCount = try Self.integer(value("maxCount"), name: "maxCount", default: 100, range: 1...Self.maxCountMax)
        waitMillis = try Self.integer(value("waitMillis"), name: "waitMillis", default: 0, range: 0...Self.waitMillisMax)
        deviceID = value("deviceId")
        consumerGroup = value("consumerGroup")
        switch value("from") ?? "latest" {
        case "latest": start = .latest
        case "earliest": start = .earliest
        case let text:
            guard let time = Timestamp(iso8601: text) else { throw .argumentInvalid("from must be earliest, latest or an ISO 8601 time.") }
            start = .enqueuedTime(time)
        }
        if let text = value("positions") { positions = try Self.parse(positions: text) }
    }

    /// `0:12,1:7` → [0: 12, 1: 7].
    static func parse(positions text: String) throws(HubError) -> [Int: Int64] {
        var positions: [Int: Int64] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":")
            guard parts.count == 2, let partition = Int(parts[0]), let sequence = Int64(parts[1]), sequence >= 0 else {
                throw .argumentInvalid("positions must be partition:sequenceNumber pairs separated by commas.")
            }
            positions[partition] = sequence
        }
        return positions
    }

    static func format(_ positions: [Int: Int64]) -> String {
        positions.keys.sorted().map { "\($0):\(positions[$0]!)" }.joined(separator: ",")
    }

    private static func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws(HubError) -> Int {
        guard let text else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw .argumentInvalid("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound).")
        }
        return parsed
    }
}
