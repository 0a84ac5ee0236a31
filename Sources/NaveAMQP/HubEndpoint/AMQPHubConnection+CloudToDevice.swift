import CNaveProton
import NaveCore
import NaveIO
import NaveModel

/// The service side of C2D (contract §5.3, §5.4): messages sent to `/messages/devicebound` are
/// queued for their device and settled with the queue's answer (feedback goes out on a
/// service-bound link, `AMQPHubConnection+ServiceBound.swift`).
extension AMQPHubConnection {
    // MARK: /messages/devicebound

    func attachDeviceBound(_ link: OpaquePointer) {
        guard let until = authorizedUntil(eventHubPath: nil) else {
            return refuse(link, condition: "amqp:unauthorized-access", "Unauthorized: put a ServiceConnect token on $cbs first.")
        }
        let id = allocateLinkID()
        register(link, .deviceBound, id: id)
        pn_link_set_max_message_size(link, UInt64(limits.messageBytesMax))
        pn_link_open(link)
        pn_link_flow(link, Int32(limits.receiveCredit))
        watchExpiry(linkID: id, eventHubPath: nil, until: until)
    }

    /// Queues one C2D message; its delivery is settled when the queue answered: accepted, or
    /// rejected with the condition of the hub's error (`amqp:not-found` for an unknown device,
    /// `amqp:resource-limit-exceeded` for a full queue). Never left unsettled: uamqp would wait
    /// for ever (§5.3). The send starts no task: the queue answers on its shard's loop, and the
    /// answer hops to this connection's loop as a closure; the dispositions of one loop turn go
    /// out in one write (`flushSoon`).
    func sendToDevice(_ bytes: [UInt8], delivery: OpaquePointer, link: OpaquePointer) {
        let parsed: (deviceID: String, message: DeviceMessage)
        do {
            parsed = try Self.cloudToDeviceMessage(bytes)
        } catch {
            settle(delivery, state: cnave_PN_REJECTED, condition: AMQPErrorCondition.condition(for: error))
            return
        }
        let id = nextAwaitingID
        nextAwaitingID += 1
        awaitingSettlement[id] = delivery
        let loop = self.loop
        hub.cloudToDevice.send(to: IdentityKey(deviceID: parsed.deviceID), message: parsed.message) { [weak self] result in
            let condition: (name: String, description: String)?
            switch result {
            case .success: condition = nil
            case .failure(let error): condition = AMQPErrorCondition.condition(for: error)
            }
            loop.execute { [weak self] in
                guard let self else { return }
                loop.runIsolated(self, (id, condition)) { actor, answer in actor.finishSettlement(answer.0, condition: answer.1) }
            }
        }
    }

    private func finishSettlement(_ id: UInt64, condition: (name: String, description: String)?) {
        if condition == nil { loop.count(Self.messagesIn) }
        guard let delivery = awaitingSettlement.removeValue(forKey: id), !closed else { return }
        settle(delivery, state: condition == nil ? cnave_PN_ACCEPTED : cnave_PN_REJECTED, condition: condition)
        flushSoon()
    }

    /// Flushes the engine once the loop has run the work queued so far: the settlements a
    /// store batch answered in one turn leave in one write instead of one each.
    private func flushSoon() {
        guard !flushQueued else { return }
        flushQueued = true
        loop.execute { [weak self] in
            guard let self else { return }
            self.loop.runIsolated(self) { actor in
                actor.flushQueued = false
                actor.flushEngine()
            }
        }
    }

    /// The device and the message of a C2D send, mapped as §5.3 says: `to` names the device;
    /// message-id, correlation-id, user-id, content-type, content-encoding and
    /// absolute-expiry-time become system properties; application properties are the bag.
    static func cloudToDeviceMessage(_ bytes: [UInt8]) throws(HubError) -> (deviceID: String, message: DeviceMessage) {
        guard let message = bytes.withUnsafeBytes({ AMQPMessage(decoding: $0) }) else {
            throw .argumentInvalid("The message is not a valid AMQP message.")
        }
        guard let to = message.to, let deviceID = deviceID(to: to) else {
            throw .argumentInvalid("The message's 'to' must be /devices/{deviceId}/messages/devicebound (is '\(message.to ?? "")').")
        }
        var properties: [(name: String, value: String)] = []
        if let id = message.messageID.identifierText { properties.append(("messageId", id)) }
        if let id = message.correlationID.identifierText { properties.append(("correlationId", id)) }
        if let user = message.userID { properties.append(("userId", String(decoding: user, as: UTF8.self))) }
        if let type = message.contentType { properties.append(("contentType", type)) }
        if let encoding = message.contentEncoding { properties.append(("contentEncoding", encoding)) }
        if let expiry = message.absoluteExpiryTime { properties.append(("expiryTimeUtc", String(expiry))) }
        if case .map(let entries) = message.applicationProperties {
            for entry in entries {
                guard let name = entry.key.text else { throw .argumentInvalid("Application property names must be strings.") }
                guard let value = entry.value.propertyText else { continue }
                properties.append((name, value))
            }
        }
        let body: [UInt8]
        switch message.body {
        case .binary(let bytes): body = bytes
        case .string(let text): body = Array(text.utf8)
        case .null: body = []
        default: throw .argumentInvalid("The body must be one data section or a string.")
        }
        return (deviceID, try CloudToDeviceSendRequest.message(body: body, properties: properties))
    }

    /// `{id}` of `/devices/{id}/messages/devicebound` (path words in any case, as IoT Hub).
    /// Walks the address's UTF-8 once, without splitting it or lowering the case of its parts
    /// (that was 3 % of the node's time in the AMQP C2D benchmark).
    static func deviceID(to: String) -> String? {
        var address = to
        return address.withUTF8 { bytes -> String? in
            // Empty segments are skipped, as `/devices//d/…` or a trailing `/` were before.
            let parts = bytes.split(separator: UInt8(ascii: "/"), maxSplits: 4, omittingEmptySubsequences: true)
            guard parts.count == 4, parts[0].equalsIgnoringASCIICase("devices"), parts[2].equalsIgnoringASCIICase("messages"),
                  parts[3].equalsIgnoringASCIICase("devicebound") else { return nil }
            return String(decoding: parts[1], as: UTF8.self)
        }
    }
}

extension AMQPValue {
    /// A message-id or correlation-id as text (§3.2.4 allows ulong, uuid, binary or string).
    var identifierText: String? {
        switch self {
        case .string(let text), .symbol(let text): text
        case .ulong(let number): String(number)
        case .long(let number): String(number)
        case .uuid(let bytes) where bytes.count == 16: Self.uuidText(bytes)
        case .binary(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// An application property value as the bag's text (the bag is string → string, §1.7).
    var propertyText: String? {
        switch self {
        case .string(let text), .symbol(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .long(let number), .timestamp(let number): String(number)
        case .ulong(let number): String(number)
        case .double(let number): String(number)
        case .uuid(let bytes) where bytes.count == 16: Self.uuidText(bytes)
        default: nil
        }
    }

    /// RFC 4122 text, lower-case.
    static func uuidText(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}
