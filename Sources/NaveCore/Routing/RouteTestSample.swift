import NaveModel

/// The sample message of `route test` (`POST /routing/test`, `nave route test`):
/// `{"source","deviceId","moduleId","body","contentType","contentEncoding","appProperties":{…}}`,
/// every member optional (telemetry from `test-device` with an empty body by default).
extension TelemetryEvent {
    public init(routingSample json: JSONValue) throws(HubError) {
        let reader = try JSONFieldReader(json)
        let source = try reader.string("source").map { text throws(HubError) in
            guard let source = RouteSource(named: text) else { throw .argumentInvalid("Unknown source '\(text)'.") }
            return source
        } ?? .deviceMessages
        var system: [MessageProperty] = []
        if let contentType = try reader.string("contentType") { system.append(MessageProperty("$.ct", contentType)) }
        if let encoding = try reader.string("contentEncoding") { system.append(MessageProperty("$.ce", encoding)) }
        var application: [MessageProperty] = []
        if let properties = try reader.object("appProperties") {
            for (key, value) in zip(properties.keys, properties.values) {
                guard let text = value.stringValue else { throw .argumentInvalid("Application property '\(key)' must be a string.") }
                application.append(MessageProperty(key, text))
            }
        }
        let body = Array((try reader.string("body") ?? "").utf8)
        try DeviceMessage.admitTelemetry(bodyBytes: body.count)
        self.init(source: source.eventSource, deviceID: try reader.string("deviceId") ?? "test-device", moduleID: try reader.string("moduleId"),
                  message: DeviceMessage(body: body, systemProperties: system, applicationProperties: application))
    }
}

extension RouteTestResult {
    /// `{"routes":[{"name","result"}],"endpoints":[…],"viaFallback":…}`.
    public var json: JSONValue {
        .object(JSONObject([
            ("routes", .array(outcomes.map { .object(JSONObject([("name", .string($0.route)), ("result", .string($0.result.rawValue))])) })),
            ("endpoints", .array(endpoints.map(JSONValue.string))), ("viaFallback", .bool(viaFallback)),
        ]))
    }
}
