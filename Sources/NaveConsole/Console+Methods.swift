import NaveCore
import NaveHTTP
import NaveModel

/// Direct methods (reference §1.4): invoke with a JSON payload and both timeouts; the page
/// shows the device's status and payload and the round trip as the hub's clock saw it.
extension Console {
    func methods(_ key: IdentityKey, form: ConsoleForm?, _ page: ConsolePage) async -> HTTPResponse {
        var content: [String: Any] = [
            "deviceId": key.deviceID, "href": ConsolePaths.identity(key), "action": ConsolePaths.identity(key) + "/methods",
            "methodName": form?["methodName"] ?? "", "payload": form?["payload"] ?? "{}",
            "responseTimeout": form?["responseTimeout"] ?? String(DirectMethodLimits.responseTimeoutSecondsDefault),
            "connectTimeout": form?["connectTimeout"] ?? String(DirectMethodLimits.connectTimeoutSecondsDefault),
            "connected": hub.connections.presence(of: key).isConnected,
        ]
        if let moduleID = key.moduleID { content["moduleId"] = moduleID }
        if let form {
            do {
                let started = hub.clock.now()
                let result = try await invoke(key, form)
                let latency = hub.clock.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch
                let payload = (try? JSONValue(parsing: result.payload)).map(ConsoleJSON.pretty) ?? result.payload.asText
                content["result"] = ["status": result.status, "payload": payload, "latencyMillis": latency]
                logger.info("console invoked a method", metadata: ["identity": "\(key)", "status": "\(result.status)"])
            } catch {
                content["error"] = "\(error.message) (\(error.code))"
            }
        }
        return renderer.render("methods", page.context(title: "Direct method on \(key)", section: "devices", content))
    }

    private func invoke(_ key: IdentityKey, _ form: ConsoleForm) async throws(HubError) -> MethodResult {
        guard let name = form.text("methodName") else { throw .argumentInvalid("Give the method's name.") }
        let payload: JSONValue
        do {
            payload = try JSONValue(parsing: Array((form.text("payload") ?? "null").utf8), limits: JSONLimits(depthMax: 32))
        } catch {
            throw .argumentInvalid("The payload is not valid JSON: \(error)")
        }
        guard let responseTimeout = Int(form.text("responseTimeout") ?? "30"), let connectTimeout = Int(form.text("connectTimeout") ?? "0") else {
            throw .argumentInvalid("Timeouts are whole seconds.")
        }
        return try await hub.methods.invoke(key, method: name, payload: payload.serialized(),
                                            responseTimeoutSeconds: responseTimeout, connectTimeoutSeconds: connectTimeout)
    }
}
