import NaveCore
import NaveHTTP
import NaveModel

/// Live telemetry: the page, and the long poll its script repeats. Each poll reads the
/// built-in events endpoint as `GET /events` (`nave monitor-events`) does, through
/// `Hub.readEvents`, waiting up to `console.telemetryWaitMillisMax` for a first event and
/// answering the positions to continue from. No consumer group is named, so the console
/// stores no checkpoint and takes nothing from another reader.
extension Console {
    /// Events answered by one poll.
    static let telemetryEventsPerPollMax = 100

    func telemetry(_ form: ConsoleForm, _ page: ConsolePage) -> HTTPResponse {
        let from = form.text("from") ?? "latest"
        let content: [String: Any] = [
            "deviceId": form.text("deviceId") ?? "", "from": from,
            "fromLatest": from == "latest", "fromEarliest": from == "earliest",
            "fromTime": from == "latest" || from == "earliest" ? "" : from,
        ]
        return renderer.render("telemetry", page.context(title: "Live telemetry", section: "telemetry", content))
    }

    func telemetryEvents(_ form: ConsoleForm) async -> HTTPResponse {
        var request = EventReadRequest(deviceID: form.text("deviceId"), maxCount: Self.telemetryEventsPerPollMax,
                                       waitMillis: limits.telemetryWaitMillisMax)
        do {
            request.start = try Self.start(form.text("from") ?? "latest")
            if let text = form.text("positions") { request.positions = try Self.positions(text) }
            let result = try await hub.readEvents(request)
            let body: JSONValue = [
                "events": .array(result.events.map { Self.eventJSON($0.record, partition: $0.partition) }),
                "positions": .string(result.positions.keys.sorted().map { "\($0):\(result.positions[$0]!)" }.joined(separator: ",")),
            ]
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"],
                                body: body.serialized())
        } catch {
            return HTTPResponse(status: error.status, headers: ["Content-Type": "application/json; charset=utf-8"],
                                body: JSONValue.object(JSONObject([("message", .string(error.message))])).serialized())
        }
    }

    /// Where a read starts: `latest`, `earliest` or an ISO 8601 enqueued time (the page's "From").
    static func start(_ from: String) throws(HubError) -> EventStartPosition {
        switch from {
        case "latest": return .latest
        case "earliest": return .earliest
        case let text:
            guard let time = Timestamp(iso8601: text) else { throw .argumentInvalid("from is latest, earliest or an ISO 8601 time.") }
            return .enqueuedTime(time)
        }
    }

    /// `0:12,1:7` → [0: 12, 1: 7]; at most one pair per partition a hub can have.
    static func positions(_ text: String) throws(HubError) -> [Int: Int64] {
        var positions: [Int: Int64] = [:]
        for item in text.split(separator: ",").prefix(128) {
            let parts = item.split(separator: ":")
            guard parts.count == 2, let partition = Int(parts[0]), let sequence = Int64(parts[1]), sequence >= 0 else {
                throw .argumentInvalid("positions are partition:sequenceNumber pairs.")
            }
            positions[partition] = sequence
        }
        return positions
    }

    /// One event with its properties; a body that is not UTF-8 is described, not shown.
    static func eventJSON(_ record: EventRecord, partition: Int) -> JSONValue {
        let body = String(validating: record.body, as: UTF8.self) ?? "(\(record.body.count) bytes, not UTF-8)"
        var system = JSONObject(record.systemProperties.map { ($0.key, JSONValue.string($0.value)) })
        system["iothub-connection-device-id"] = .string(record.deviceID)
        return .object(JSONObject([
            ("deviceId", .string(record.deviceID)), ("moduleId", record.moduleID.map { .string($0) } ?? .null),
            ("body", .string(body)),
            ("applicationProperties", .object(JSONObject(record.applicationProperties.map { ($0.key, JSONValue.string($0.value)) }))),
            ("systemProperties", .object(system)),
            ("enqueuedTime", .string(record.enqueuedTime.iso8601)), ("partition", .integer(Int64(partition))),
            ("sequenceNumber", .integer(record.sequenceNumber)),
        ]))
    }
}
