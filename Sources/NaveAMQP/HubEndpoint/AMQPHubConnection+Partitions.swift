import CNaveProton
import NaveCore
import NaveIO
import NaveModel

/// Partition receivers of the Event Hub-compatible endpoint (contract §6.5, §6.6): the client's
/// receiver link on `…/{hub}/ConsumerGroups/{cg}/Partitions/{p}`, its selector filter turned into
/// a start position, the epoch rules, and events sent settled within the link's credit, read
/// from the log in batches on this loop and encoded once each into the send buffer.
extension AMQPHubConnection {
    /// Link property carrying the receiver's epoch (`owner_level`).
    static let epochProperty = "com.microsoft:epoch"
    /// How long a reader waits before it waits for appends again after a wake brought nothing
    /// (the log is closing): keeps a closing log from spinning its readers.
    static let emptyWakeBackoffMillis: Int64 = 100
    /// The encode buffer keeps its capacity between events up to this size.
    static let encodeBufferKeptBytesMax = 64 * 1024

    func attachPartition(_ link: OpaquePointer, _ address: EventHubAddress) {
        // The built-in endpoint, or a routing `eventhub` endpoint by its name (issue #15).
        guard let entity = hub.eventHubEntity(named: address.eventHub) else {
            return refuse(link, condition: "amqp:not-found", "The messaging entity '\(address.eventHub)' could not be found.")
        }
        let reader = entity.reader
        guard address.partition < reader.source.partitionCount else {
            return refuse(link, condition: "amqp:not-found",
                          "Partition \(address.partition) does not exist; the event hub has \(reader.source.partitionCount).")
        }
        guard hub.consumerGroups.contains(address.consumerGroup) else {
            return refuse(link, condition: "amqp:not-found", "The consumer group '\(address.consumerGroup)' does not exist.")
        }
        let path = "\(entity.name)/consumergroups/\(address.consumerGroup)".lowercased()
        guard let until = authorizedUntil(eventHubPath: path) else {
            return refuse(link, condition: "amqp:unauthorized-access", "Unauthorized: put a token for '\(path)' on $cbs first.")
        }
        let start: EventStartPosition
        do {
            start = try selectorStart(pn_terminus_filter(pn_link_remote_source(link)))
        } catch {
            return refuse(link, condition: "amqp:invalid-field", "The selector filter is not supported: \(error)")
        }
        let first: Int64
        do {
            first = try reader.firstSequenceNumber(partition: address.partition, from: start)
        } catch {
            return refuse(link, condition: "amqp:internal-error", "The partition could not be read: \(error.message)")
        }
        let epoch = AMQPValue.readWhole(pn_link_remote_properties(link))?[Self.epochProperty]?.integer
        // Readers of different entities never compete: a custom entity's groups are its own.
        let group = entity.isBuiltIn ? address.consumerGroup.lowercased() : "\(entity.name)/\(address.consumerGroup)".lowercased()
        let key = PartitionOwnership.Key(consumerGroup: group, partition: address.partition)
        pn_link_set_snd_settle_mode(link, PN_SND_SETTLED)
        let id = allocateLinkID()
        let stream = PartitionStream(linkID: id, key: key, next: first, source: reader.source)
        register(link, .partition(stream), id: id)
        let claimed = endpoint.ownership.claim(key, epoch: epoch) { [weak self] condition, reason in
            guard let self else { return }
            Task { await self.evict(linkID: id, condition: condition, reason: reason) }
        }
        switch claimed {
        case .success(let ownerID):
            stream.ownerID = ownerID
        case .failure(.epochTooLow(let reason)):
            return refuse(link, condition: "amqp:link:stolen", reason)
        case .failure(.tooManyReaders(let reason)):
            return refuse(link, condition: "amqp:resource-limit-exceeded", reason)
        }
        pn_link_open(link)
        watchExpiry(linkID: id, eventHubPath: path, until: until)
        pumpPartition(stream)
    }

    /// The start position the link's source filter asks for (§6.5); from the start when there
    /// is none, as Event Hubs does.
    private func selectorStart(_ filter: OpaquePointer?) throws(EventHubSelectorError) -> EventStartPosition {
        guard let filter, case .map(let entries)? = AMQPValue.readWhole(filter) else { return .earliest }
        for entry in entries {
            let value: AMQPValue
            if case .described(_, let described) = entry.value { value = described } else { value = entry.value }
            guard entry.key.text == EventHubSelector.filterName, let expression = value.text else { continue }
            return try EventHubSelector.startPosition(expression)
        }
        return .earliest
    }

    /// Another receiver took the partition over (epoch rules: `amqp:link:stolen`, which the SDK
    /// raises without retrying, §6.7), or the consumer group was deleted (`amqp:not-found`).
    func evict(linkID: UInt64, condition: String, reason: String) {
        guard let link = linksByID[linkID] else { return }
        detach(link, condition: condition, reason)
        flushEngine()
    }

    /// Sends events while the link has credit and the socket room; waits for the next append
    /// once caught up. One step sends at most `outboundBytesHighWater` bytes, whatever the
    /// credit (a client may grant 2^31): the rest follows once the socket drained, so the
    /// connection's send queue never nears its limit.
    func pumpPartition(_ stream: PartitionStream) {
        guard !stream.stopped, stream.waiter == nil, let link = linksByID[stream.linkID] else { return }
        let source = stream.source
        // What waits to go out: the socket's queue, and what Proton still holds of the events
        // given to it (it hands transfers over only as the client's session window allows, and
        // its own counters stop at its output buffer's capacity).
        guard let engine else { return }
        let queued = (engine.connection?.pendingOutboundBytes ?? 0) + max(0, eventBytesSent - engine.bytesWritten)
        guard queued <= limits.outboundBytesHighWater else {
            blockedOnWrite.insert(stream.linkID)
            return
        }
        var budget = limits.outboundBytesHighWater - queued
        var credit = Int(pn_link_credit(link))
        while credit > 0 {
            guard budget > 0 else {
                // Let the engine write this step's output, then go on.
                continueAfterFlush(stream.linkID)
                return
            }
            var info: EventPartitionInfo
            do {
                info = try source.partitionInfo(stream.partition)
            } catch {
                detach(link, condition: "amqp:internal-error", "The partition could not be read: \(error.message)")
                return
            }
            encodeRuntimeMetric(info)
            let sent: Int
            do {
                // Each stored event is encoded from the log's bytes as it is lent (no record
                // decoded in between), until the credit or this step's byte budget is spent.
                sent = try source.withRecords(partition: stream.partition, from: .sequenceNumber(stream.next),
                                              maxCount: min(credit, limits.eventBatchMax)) { event in
                    // An event appended after `info` was read: the metric must not say less.
                    if event.sequenceNumber > info.lastSequenceNumber, let newer = try? source.partitionInfo(stream.partition) {
                        info = newer
                        encodeRuntimeMetric(info)
                    }
                    let bytes = send(event, on: link)
                    budget -= bytes
                    eventBytesSent += bytes
                    stream.next = event.sequenceNumber + 1
                    return budget > 0
                }
            } catch {
                detach(link, condition: "amqp:internal-error", "The partition could not be read: \(error.message)")
                return
            }
            guard sent > 0 else { return waitForAppend(stream) }
            loop.count(Self.messagesOut, by: sent)
            credit = Int(pn_link_credit(link))
        }
    }

    /// Delivery annotations for `track_last_enqueued_event_properties` (§6.6), encoded once per
    /// batch into `metricBuffer` and copied before each event. Proton 0.37 does not expose the
    /// attach's desired capabilities, so they go on every event; clients that did not ask
    /// ignore delivery annotations.
    private func encodeRuntimeMetric(_ info: EventPartitionInfo) {
        let metric = EventHubRuntimeMetric(
            lastEnqueuedSequenceNumber: info.lastSequenceNumber, lastEnqueuedOffset: info.lastOffset,
            lastEnqueuedTime: info.lastEnqueuedTime ?? Timestamp(millisecondsSinceEpoch: 0), retrievalTime: hub.clock.now())
        metricBuffer.removeAll(keepingCapacity: true)
        AMQPEventEncoder.encodeDeliveryAnnotations(metric, into: &metricBuffer)
    }

    /// Resumes a reader on the loop after the current turn, once the engine has moved this
    /// step's output to the socket.
    private func continueAfterFlush(_ linkID: UInt64) {
        loop.execute { [weak self] in
            guard let self else { return }
            self.loop.runIsolated(self, linkID) { actor, linkID in
                guard let link = actor.linksByID[linkID], case .partition(let stream)? = actor.links[link] else { return }
                actor.pumpPartition(stream)
                actor.flushEngine()
            }
        }
    }

    /// One event: a settled transfer of the message encoded straight into the reusable buffer.
    /// Returns the encoded size.
    private func send(_ record: EventRecordView, on link: OpaquePointer) -> Int {
        var tag = deliveryTag()
        let delivery = withUnsafeBytes(of: &tag) { pn_delivery(link, pn_dtag($0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)) }
        // Encoded into room sized for the message (no growth checks per value), then copied
        // once into Proton's delivery.
        let bound = metricBuffer.count + AMQPEventEncoder.encodedByteCountUpperBound(record)
        if encodeBuffer.count < bound { encodeBuffer = [UInt8](repeating: 0, count: bound) }
        let bytes = encodeBuffer.withUnsafeMutableBytes { room in
            var message = ReservedBytes(room)
            metricBuffer.withUnsafeBytes { message.append(contentsOf: $0) }
            AMQPEventEncoder.write(record, to: &message)
            _ = pn_link_send(link, room.baseAddress!.assumingMemoryBound(to: CChar.self), message.count)
            return message.count
        }
        pn_link_advance(link)
        pn_delivery_settle(delivery)
        // A large event's buffer is not kept by an idle connection.
        if encodeBuffer.count > Self.encodeBufferKeptBytesMax { encodeBuffer = [] }
        return bytes
    }

    /// Parks the reader until its partition gets an event after `next - 1`, then sends on.
    private func waitForAppend(_ stream: PartitionStream) {
        let source = stream.source
        let partition = stream.partition, after = stream.next - 1, linkID = stream.linkID
        stream.waiter = Task {
            await source.awaitAppend(partition: partition, after: after)
            self.appended(linkID: linkID, after: after)
        }
    }

    private func appended(linkID: UInt64, after: Int64) {
        guard let link = linksByID[linkID], case .partition(let stream)? = links[link], !stream.stopped else { return }
        stream.waiter = nil
        let last = (try? stream.source.partitionInfo(stream.partition).lastSequenceNumber) ?? after
        guard last > after else {
            // Woken without an event: the log is closing. Wait a little before waiting again.
            stream.waiter = Task {
                await hub.scheduler.sleep(millis: Self.emptyWakeBackoffMillis)
                self.appended(linkID: linkID, after: after)
            }
            return
        }
        pumpPartition(stream)
        flushEngine()
    }

    /// The socket drained: readers stopped for it go on.
    func resumeBlockedPartitions() {
        let blocked = blockedOnWrite
        blockedOnWrite.removeAll()
        for id in blocked {
            guard let link = linksByID[id], case .partition(let stream)? = links[link] else { continue }
            pumpPartition(stream)
        }
    }
}
