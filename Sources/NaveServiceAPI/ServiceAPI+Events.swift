import NaveCore
import NaveEncoding
import NaveHTTP
import NaveModel

/// `GET /events`: follows the built-in events endpoint (or, with `endpoint=NAME`, a custom
/// `eventhub` endpoint; adding `deadLetter=true`, an external endpoint's dead-letter log) over
/// REST for `nave monitor-events`.
/// Long polling: the answer waits up to `waitMillis` for a first event, then returns what is
/// there with the positions to continue from (also stored as the consumer group's checkpoint).
extension ServiceAPI {
    func serveEvents(_ query: [(name: String, value: String)]) async throws(HubError) -> HTTPResponse {
        let request = try EventsQuery(query).request
        let endpoint = query.first { $0.name == "endpoint" }?.value
        let deadLetter = query.first { $0.name == "deadLetter" }?.value == "true"
        guard !deadLetter || endpoint != nil else { throw .argumentInvalid("deadLetter=true needs endpoint=NAME.") }
        let result = if let endpoint {
            try await hub.readEvents(request, endpoint: endpoint, deadLetter: deadLetter)
        } else {
            try await hub.readEvents(request)
        }
        if let reason = result.checkpointNotStored {
            // The events are answered either way (with their positions); a checkpoint the store
            // refused only means the group's next read without positions starts earlier.
            logger.warning("checkpoint not stored", metadata: ["consumerGroup": "\(request.consumerGroup ?? "")", "reason": "\(reason)"])
        }
        let body: JSONValue = ["events": .array(result.events.map { Self.json($0.record, partition: $0.partition) }),
                               "positions": .string(EventsQuery.format(result.positions)),
                               "caughtUp": .bool(result.caughtUp)]
        return json(body)
    }

    /// One event as `nave monitor-events --output json` prints it.
    static func json(_ record: EventRecord, partition: Int) -> JSONValue {
        var object: JSONObject = ["deviceId": .string(record.deviceID), "moduleId": JSONValue(orNull: record.moduleID)]
        if let text = String(validating: record.body, as: UTF8.self) {
            object["body"] = .string(text)
        } else {
            object["body"] = .string(Base64.encode(record.body))
            object["bodyEncoding"] = "base64"
        }
        object["applicationProperties"] = .object(JSONObject(record.applicationProperties.map { ($0.key, JSONValue.string($0.value)) }))
        var system = JSONObject(record.systemProperties.map { ($0.key, JSONValue.string($0.value)) })
        system["iothub-connection-device-id"] = .string(record.deviceID)
        if let moduleID = record.moduleID { system["iothub-connection-module-id"] = .string(moduleID) }
        system["iothub-enqueuedtime"] = .string(record.enqueuedTime.iso8601)
        object["systemProperties"] = .object(system)
        object["partition"] = .integer(Int64(partition))
        object["sequenceNumber"] = .integer(record.sequenceNumber)
        object["offset"] = .string(String(record.offset))
        object["enqueuedTime"] = .string(record.enqueuedTime.iso8601)
        return .object(object)
    }
}
