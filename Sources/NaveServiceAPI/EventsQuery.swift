import NaveCore
import NaveModel

/// A read of the built-in events endpoint over REST (`GET /events`, Nave's own, for
/// `nave monitor-events`), parsed from its query items into the hub's `EventReadRequest`:
/// `positions`, `from` (`earliest`, `latest` or an ISO 8601 time), `deviceId`,
/// `consumerGroup`, `maxCount`, `waitMillis`.
struct EventsQuery {
    var request: EventReadRequest

    static let maxCountMax = 1000
    static let waitMillisMax = 60_000

    init(_ query: [(name: String, value: String)]) throws(HubError) {
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        request = EventReadRequest(deviceID: value("deviceId"), consumerGroup: value("consumerGroup"))
        request.maxCount = try Self.integer(value("maxCount"), name: "maxCount", default: 100, range: 1...Self.maxCountMax)
        request.waitMillis = try Self.integer(value("waitMillis"), name: "waitMillis", default: 0, range: 0...Self.waitMillisMax)
        switch value("from") ?? "latest" {
        case "latest": request.start = .latest
        case "earliest": request.start = .earliest
        case let text:
            guard let time = Timestamp(iso8601: text) else { throw .argumentInvalid("from must be earliest, latest or an ISO 8601 time.") }
            request.start = .enqueuedTime(time)
        }
        if let text = value("positions") { request.positions = try Self.parse(positions: text) }
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
