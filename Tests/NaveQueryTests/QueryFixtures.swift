import NaveModel
import NaveQuery

/// Twins shaped as IoT Hub prints them (§1.2), shared by the table tests.
enum QueryFixtures {
    static func twin(_ id: String, status: String? = nil, tags: JSONValue = [:], reported: JSONValue = [:],
                     desired: JSONValue = [:]) -> TwinQueryDocument {
        var object = JSONObject()
        object["deviceId"] = .string(id)
        object["status"] = "enabled"
        object["connectionState"] = "Disconnected"
        object["lastActivityTime"] = "2024-01-01T00:00:00Z"
        object["tags"] = tags
        object["properties"] = ["desired": desired, "reported": reported]
        if let status {
            object["properties"] = ["desired": desired,
                                    "reported": reported.objectValue.map { var r = $0; r["telemetryConfig"] = ["status": .string(status)]; return JSONValue.object(r) } ?? reported]
        }
        return TwinQueryDocument(.object(object))
    }

    /// Parses a condition and evaluates it over `document`.
    static func value(_ condition: String, _ document: some QueryDocument = TwinQueryDocument([:]),
                      dialect: QueryDialect = .routing) throws -> QueryValue {
        try QueryParser.parseCondition(condition, dialect: dialect).evaluate(in: document)
    }

    /// The error `body` throws, or nil when it returns.
    static func refusal(_ body: () throws(QueryError) -> Void) -> QueryError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    /// The objects of `rows` (projections and aggregates).
    static func objects<D>(_ rows: [QueryRow<D>]) -> [JSONValue] {
        rows.compactMap { row in
            if case .object(let object) = row { return .object(object) }
            return nil
        }
    }
}
