import NaveCore
import NaveHTTP
import NaveModel

/// Message routing (issue #15): routes, endpoints and enrichments as configured, and
/// `route test` against a sample message and the sender's current twin, as
/// `POST /routing/test` answers it.
extension Console {
    func routing(form: ConsoleForm?, _ page: ConsolePage) async -> HTTPResponse {
        guard let routing = hub.routing else {
            return renderer.render("routing", page.context(title: "Routing", section: "routing", ["absent": true]))
        }
        let configuration = routing.configuration
        let sample = form?["sample"] ?? #"{"deviceId": "device-1", "body": "{\"temperature\": 30}", "contentType": "application/json", "contentEncoding": "utf-8", "appProperties": {"level": "critical"}}"#
        var content: [String: Any] = [
            "routes": configuration.routes.map { ["name": $0.name, "json": ConsoleJSON.pretty($0.json)] },
            "endpoints": configuration.endpoints.map { ["name": $0.name, "json": ConsoleJSON.pretty($0.json)] },
            "enrichments": configuration.enrichments.map { ["name": $0.key, "json": ConsoleJSON.pretty($0.json)] },
            "fallbackEnabled": configuration.fallbackEnabled, "sample": sample,
        ]
        if form != nil {
            do {
                let json: JSONValue
                do {
                    json = try JSONValue(parsing: Array(sample.utf8), limits: JSONLimits(depthMax: 8))
                } catch {
                    throw HubError.argumentInvalid("The sample is not valid JSON: \(error)")
                }
                let event = try TelemetryEvent(routingSample: json)
                let twin = await hub.twins.routingTwin(of: IdentityKey(deviceID: event.deviceID, moduleID: event.moduleID))
                content["testResult"] = ConsoleJSON.pretty(routing.test(event, twin: twin).json)
            } catch let error as HubError {
                content["error"] = error.message
            } catch {
                content["error"] = "The test failed."
            }
        }
        return renderer.render("routing", page.context(title: "Routing", section: "routing", content))
    }
}
