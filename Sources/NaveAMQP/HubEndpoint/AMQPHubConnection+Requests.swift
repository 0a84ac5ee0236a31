import CNaveProton
import Logging
import NaveAuth
import NaveCore
import NaveModel

/// The request/response nodes: `$cbs` put-token (contract §5.2, §6.3) and `$management` READ
/// (§6.4). A request arrives on the client's sender link to the node; it is settled first
/// (uamqp counts a put-token as failed otherwise, §0.1 item 10), then the response goes on the
/// client's receiver link from the node, with `correlation-id` = the request's `message-id`, of
/// the same AMQP type (pyamqp compares uuids; uamqp ulongs) and an int `status-code`.
extension AMQPHubConnection {
    /// Responses queued per node while the client's receiver has no credit.
    static let pendingRepliesMax = 64
    /// Refused put-tokens per connection logged at info.
    static let refusalsLoggedMax = 3

    func request(_ bytes: [UInt8], delivery: OpaquePointer, node: RequestNode) {
        guard let message = bytes.withUnsafeBytes({ AMQPMessage(decoding: $0) }) else {
            settle(delivery, state: cnave_PN_REJECTED, condition: ("amqp:decode-error", "The request is not an AMQP message."))
            return
        }
        settle(delivery, state: cnave_PN_ACCEPTED)
        var response: AMQPMessage
        switch node {
        case .cbs: response = putToken(message)
        case .management: response = managementRead(message)
        }
        response.correlationID = message.messageID
        queueReply(response, node: node)
    }

    private func queueReply(_ response: AMQPMessage, node: RequestNode) {
        var queue = pendingReplies[node] ?? []
        guard queue.count < Self.pendingRepliesMax else {
            // A client that sends requests but never lets responses flow: its requests are
            // answered by closing the node's link rather than by growing the queue.
            if let link = replyLinks[node] {
                detach(link, condition: "amqp:resource-limit-exceeded", "More than \(Self.pendingRepliesMax) responses are waiting for credit.")
            }
            return
        }
        queue.append(response)
        pendingReplies[node] = queue
        flushReplies(node)
    }

    /// Sends queued responses of `node` while its reply link has credit.
    func flushReplies(_ node: RequestNode) {
        guard let link = replyLinks[node], var queue = pendingReplies[node], !queue.isEmpty else { return }
        while !queue.isEmpty, pn_link_credit(link) > 0 {
            let response = queue.removeFirst()
            if let delivery = response.send(on: link, tag: deliveryTag()) { pn_delivery_settle(delivery) }
        }
        pendingReplies[node] = queue
    }

    /// A response with an int status (both SDKs read `status-code` as int) and its description.
    private func status(_ code: Int32, _ description: String, body: AMQPValue = .null) -> AMQPMessage {
        var response = AMQPMessage()
        response.applicationProperties = .map([
            (.string("status-code"), .int(code)), (.string("status-description"), .string(description)),
        ])
        response.body = body
        return response
    }

    // MARK: $cbs

    private func putToken(_ message: AMQPMessage) -> AMQPMessage {
        guard message.property("operation")?.text == "put-token" else {
            return status(400, "Unsupported operation '\(message.property("operation")?.text ?? "")'.")
        }
        guard let audience = message.property("name")?.text, let token = message.body.text else {
            return status(400, "A put-token needs the audience in 'name' and the token as an amqp-value string body.")
        }
        switch endpoint.authorizer.putToken(audience: audience, token: token, type: message.property("type")?.text) {
        case .success(let grant):
            grants.add(grant)
            return status(202, "Accepted")
        case .failure(let refusal):
            // The first few refusals of a connection are worth a line each; a client retrying in
            // a loop must not flood the log (the rest go at debug).
            refusedTokens += 1
            let level: Logger.Level = refusedTokens <= Self.refusalsLoggedMax ? .info : .debug
            logger.log(level: level, "AMQP put-token refused", metadata: ["audience": "\(audience)", "reason": "\(refusal.description)"])
            return status(refusal.status, refusal.description)
        }
    }

    /// The grant expiry covering `path` (an event hub path, or nil for the service side) with
    /// ServiceConnect, now; nil when no token covers it.
    func authorizedUntil(eventHubPath path: String?) -> Int64? {
        grants.expiry(coveringEventHubPath: path, rights: .serviceConnect, now: hub.clock.now().secondsSinceEpoch)
    }

    // MARK: $management

    private func managementRead(_ message: AMQPMessage) -> AMQPMessage {
        // The entity asked for: the built-in endpoint or a routing `eventhub` endpoint (issue #15).
        let entity = message.property("name")?.text.flatMap { hub.eventHubEntity(named: $0) }
        let entityName = entity?.name ?? hub.eventHubName
        if authorizedUntil(eventHubPath: entityName.lowercased()) == nil {
            // The request's own `security_token` (contract §6.4) authorises it too.
            let token = message.property("security_token")?.text
            let audience = "sb://\(hub.hostName)/\(entityName)"
            guard let token, case .success = endpoint.authorizer.putToken(audience: audience, token: token, type: "servicebus.windows.net:sastoken")
            else { return status(401, "Unauthorized: no valid token for '\(entityName)'.") }
        }
        guard message.property("operation")?.text == "READ" else {
            return status(400, "Unsupported operation '\(message.property("operation")?.text ?? "")'.")
        }
        guard let entity else {
            return status(404, "The messaging entity '\(message.property("name")?.text ?? "")' could not be found.")
        }
        let source = entity.reader.source
        switch message.property("type")?.text {
        case "com.microsoft:eventhub":
            let ids = (0..<source.partitionCount).map { AMQPValue.string(String($0)) }
            return status(200, "OK", body: .map([
                (.string("name"), .string(entity.name)),
                (.string("created_at"), .timestamp(endpoint.createdAt.millisecondsSinceEpoch)),
                (.string("partition_count"), .int(Int32(source.partitionCount))),
                (.string("partition_ids"), .array(ids)),
                (.string("type"), .string("com.microsoft:eventhub")),
            ]))
        case "com.microsoft:partition":
            guard let text = message.property("partition")?.text, let partition = Int(text), partition >= 0,
                  partition < source.partitionCount, let info = try? source.partitionInfo(partition) else {
                return status(404, "The partition '\(message.property("partition")?.text ?? "")' could not be found.")
            }
            return status(200, "OK", body: .map([
                (.string("name"), .string(entity.name)),
                (.string("type"), .string("com.microsoft:partition")),
                (.string("partition"), .string(String(partition))),
                (.string("begin_sequence_number"), .long(info.beginSequenceNumber)),
                (.string("last_enqueued_sequence_number"), .long(info.lastSequenceNumber)),
                (.string("last_enqueued_offset"), .string(String(info.lastOffset))),
                (.string("last_enqueued_time_utc"), .timestamp(info.lastEnqueuedTime?.millisecondsSinceEpoch ?? 0)),
                (.string("is_partition_empty"), .bool(info.isEmpty)),
            ]))
        default:
            return status(400, "Unsupported type '\(message.property("type")?.text ?? "")'.")
        }
    }
}
