import NaveCore
import NaveEncoding
import NaveHTTP
import NaveModel
import NaveStore

/// `GET /events`: follows the built-in events endpoint over REST for `nave monitor-events`.
/// Long polling: the answer waits up to `waitMillis` for a first event, then returns what is
/// there with the positions to continue from (also stored as the consumer group's checkpoint).
extension ServiceAPI {
    func serveEvents(_ query: [(name: String, value: String)]) async throws(HubError) -> HTTPResponse {
        guard let log = events else { throw .serviceUnavailable("This node has no events endpoint.") }
        let request = try EventsQuery(query)
        var positions = try await startPositions(request, log: log)
        var found = try read(log, from: &positions, request: request)
        if found.isEmpty, request.waitMillis > 0 {
            await waitForAnyAppend(log, after: positions, millis: request.waitMillis)
            found = try read(log, from: &positions, request: request)
        }
        if let group = request.consumerGroup, let checkpoints {
            // The events are answered either way (with their positions); a checkpoint the store
            // refused only means the group's next read without positions starts earlier.
            do {
                try await checkpoints.save(positions, for: group)
            } catch {
                logger.warning("checkpoint not stored", metadata: ["consumerGroup": "\(group)", "reason": "\(error)"])
            }
        }
        // `caughtUp`: the reader has seen everything there is; a reader still behind must not
        // count the time as silence (`monitor-events --timeout`).
        let body: JSONValue = ["events": .array(found.map { Self.json($0.record, partition: $0.partition) }),
                               "positions": .string(EventsQuery.format(positions)),
                               "caughtUp": .bool(caughtUp(log, positions))]
        return json(body)
    }

    /// The caller's positions; else the consumer group's checkpoint; else `from`.
    private func startPositions(_ request: EventsQuery, log: EventLog) async throws(HubError) -> [Int: Int64] {
        if let given = request.positions { return given }
        var stored: [Int: Int64] = [:]
        if let group = request.consumerGroup, let checkpoints { stored = (try? await checkpoints.checkpoints(of: group)) ?? [:] }
        var positions: [Int: Int64] = [:]
        for partition in 0..<log.partitionCount {
            if let checkpoint = stored[partition] {
                positions[partition] = checkpoint
                continue
            }
            let info = try info(log, partition)
            switch request.start {
            case .latest: positions[partition] = info.lastSequenceNumber + 1
            case .earliest: positions[partition] = info.beginSequenceNumber
            default:
                let first = (try? log.read(partition: partition, from: request.start, maxCount: 1))?.first
                positions[partition] = first?.sequenceNumber ?? info.lastSequenceNumber + 1
            }
        }
        return positions
    }

    /// Up to `maxCount` matching events from the positions on, advancing them. With a device
    /// filter, other devices' events are skipped — up to `scannedEventsMax` per request, so a
    /// reader far behind a busy log still gets an answer soon (and reads on from where it got).
    private func read(_ log: EventLog, from positions: inout [Int: Int64],
                      request: EventsQuery) throws(HubError) -> [(partition: Int, record: EventRecord)] {
        var found: [(partition: Int, record: EventRecord)] = []
        var scanned = 0
        for partition in positions.keys.sorted() {
            while found.count < request.maxCount, scanned < EventsQuery.scannedEventsMax {
                let records: [EventRecord]
                do {
                    records = try log.read(partition: partition, from: .sequenceNumber(positions[partition]!),
                                           maxCount: min(EventsQuery.readBatchMax, request.maxCount - found.count + (request.deviceID == nil ? 0 : 1_000)))
                } catch {
                    throw .argumentInvalid("Cannot read partition \(partition): \(error)")
                }
                guard !records.isEmpty else { break }
                for record in records where found.count < request.maxCount {
                    positions[partition] = record.sequenceNumber + 1
                    scanned += 1
                    if request.deviceID == nil || record.deviceID == request.deviceID { found.append((partition, record)) }
                }
            }
        }
        return found
    }

    /// Whether `positions` are past the last event of every partition.
    private func caughtUp(_ log: EventLog, _ positions: [Int: Int64]) -> Bool {
        positions.allSatisfy { partition, next in
            guard let info = try? log.info(partition: partition) else { return true }
            return next > info.lastSequenceNumber
        }
    }

    private func info(_ log: EventLog, _ partition: Int) throws(HubError) -> EventPartitionInfo {
        do { return try log.info(partition: partition) } catch { throw .serverError("Partition \(partition): \(error)") }
    }

    /// Returns when any partition got an event after its position, or after `millis`.
    private func waitForAnyAppend(_ log: EventLog, after positions: [Int: Int64], millis: Int) async {
        await withTaskGroup(of: Void.self) { group in
            for (partition, next) in positions {
                group.addTask { try? await log.waitForAppend(partition: partition, after: next - 1) }
            }
            group.addTask { try? await Task.sleep(for: .milliseconds(millis)) }
            await group.next()
            group.cancelAll()
        }
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
