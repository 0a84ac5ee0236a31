import NaveCore
import NaveHTTP
import NaveModel

/// Cloud-to-device messages (reference §1.5): send with properties and `iothub-ack`, see how
/// many wait in the device's queue, purge it; and the hub's feedback queue.
extension Console {
    /// Application properties read from the form's `name=value` lines.
    static let propertyLinesMax = 32

    func messages(_ deviceID: String, _ page: ConsolePage) async -> HTTPResponse {
        let key = IdentityKey(deviceID: deviceID)
        guard hub.registry.device(deviceID) != nil else { return renderer.notFound() }
        let content: [String: Any] = [
            "deviceId": deviceID, "href": ConsolePaths.identity(key), "action": ConsolePaths.identity(key) + "/messages",
            "pendingMessages": await hub.cloudToDevice.pendingCount(key), "connected": hub.connections.presence(of: key).isConnected,
        ]
        return renderer.render("messages", page.context(title: "Cloud-to-device messages for \(deviceID)", section: "devices", content))
    }

    func sendMessage(_ deviceID: String, _ form: ConsoleForm, _ page: ConsolePage) async -> HTTPResponse {
        let key = IdentityKey(deviceID: deviceID)
        let back = ConsolePaths.identity(key) + "/messages"
        do {
            if form["action"] == "purge" {
                let purged = try await hub.cloudToDevice.purge(key)
                return redirect(back, note: "\(purged) message(s) purged.", page)
            }
            let message = try Self.cloudToDeviceMessage(form)
            let ttl = try form.text("ttlSeconds").map { text throws(HubError) in
                guard let seconds = Int(text), seconds > 0 else { throw HubError.argumentInvalid("The time to live is a positive number of seconds.") }
                return seconds
            }
            let queued = try await hub.cloudToDevice.send(to: key, message: message, ttlSeconds: ttl)
            return redirect(back, note: "Message \(queued.messageID) queued; it expires at \(queued.expiryTime.iso8601).", page)
        } catch {
            return redirect(back, note: "Not sent: \(error.message)", error: true, page)
        }
    }

    /// The message the form describes: body, `messageId`, `iothub-ack`, and `name=value` lines
    /// of properties (the service SDK's names for system properties, others application).
    static func cloudToDeviceMessage(_ form: ConsoleForm) throws(HubError) -> DeviceMessage {
        var properties: [(name: String, value: String)] = []
        if let id = form.text("messageId") { properties.append(("messageId", id)) }
        if let text = form.text("ack") {
            guard let ack = CloudToDeviceAck(rawValue: text) else { throw .argumentInvalid("iothub-ack is none, positive, negative or full.") }
            if ack != .none { properties.append((CloudToDeviceAck.propertyName, ack.rawValue)) }
        }
        let text: String = form["properties"] ?? ""
        let lines = text.split(whereSeparator: { $0.isNewline }).map { String(String($0).trimmingSpaces) }.filter { !$0.isEmpty }
        guard lines.count <= propertyLinesMax else { throw .argumentInvalid("At most \(propertyLinesMax) properties.") }
        for line in lines {
            guard let equals = line.firstIndex(of: "=") else { throw .argumentInvalid("Properties are name=value lines.") }
            properties.append((String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
        let body = Array((form["body"] ?? "").utf8)
        guard body.count <= DeviceMessage.cloudToDeviceBodyBytesMax else {
            throw .argumentInvalid("A cloud-to-device body is at most \(DeviceMessage.cloudToDeviceBodyBytesMax) bytes.")
        }
        return try CloudToDeviceSendRequest.message(body: body, properties: properties)
    }

    /// The feedback queue, looked at without taking it: a batch is received and abandoned at
    /// once, so the back end that completes feedback still gets every record.
    func feedback(_ page: ConsolePage) -> HTTPResponse {
        var records: [[String: Any]] = []
        let queue = hub.cloudToDevice.feedback
        if let batch = queue.receive() {
            records = batch.records.map { record in
                ["originalMessageId": record.originalMessageID, "deviceId": record.deviceID,
                 "statusCode": record.statusCode.rawValue, "enqueuedTime": record.enqueuedTime.iso8601]
            }
            try? queue.abandon(lockToken: batch.lockToken)
        }
        let content: [String: Any] = ["records": records, "empty": records.isEmpty, "queued": queue.count, "dropped": queue.droppedCount]
        return renderer.render("feedback", page.context(title: "Cloud-to-device feedback", section: "feedback", content))
    }
}
